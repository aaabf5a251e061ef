"""The alert engine: rules over the live picture, with a lifecycle and an audit trail."""
