"""The task catalog (考核项目) and the working-day calendar: reference data kept by administrators."""
