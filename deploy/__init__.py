"""Running the dashboard as several processes behind nginx (see README, Deployment)."""
