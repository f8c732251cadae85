"""Running an app: traced (`trace`, autostart, `.ai` apps) or again with recorded answers (`replay --rerun`).

Above the tracer and its capture hooks: what a traced app imports never reaches this package."""
