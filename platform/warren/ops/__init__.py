"""What ops watch a deployment through: metrics, readiness, backups."""
