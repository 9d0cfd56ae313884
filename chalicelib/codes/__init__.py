"""Codes: the signed health code, its images, checkpoint scans, the one-screen pass,
printed codes and the ID-card check."""
