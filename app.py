from worklog import create_app

app = create_app()
