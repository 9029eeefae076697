"""Retraining: run a notebook (papermill) or an nb2prod package inside one MLflow run, gate its promotion,
fan it out over parameter sets, and emit schedules for cron, Prefect and Airflow."""
