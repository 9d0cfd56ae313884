"""Officials: status marks (two officials), appeals and the audit trail."""
