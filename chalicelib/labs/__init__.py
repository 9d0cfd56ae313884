"""Labs: nucleic-acid results, a citizen's reports, test sites."""
