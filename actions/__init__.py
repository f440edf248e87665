"""Custom actions, one module per topic; rasa-sdk registers every Action it finds here."""
