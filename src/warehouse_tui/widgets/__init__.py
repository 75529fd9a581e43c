"""The floor's reusable widgets: data comes down as attributes, events go up as messages.

A widget here knows nothing of the database or of the app that shows it: the screen sets what it
shows (`LineList.lines`, `FeedbackLine.outcome`, `ScaleReadout.scale`) and handles what it posts
(`ScanReceived`, `ScaleReadout.Changed`). Import each from its module; this package imports
nothing, so the login screen pays only for the widgets it uses.
"""
