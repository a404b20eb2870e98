"""The supervisor's week (周结): review queue, approve / adjust / return, signing, delegation, assigned tasks."""
