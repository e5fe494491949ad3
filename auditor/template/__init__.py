"""Infrastructure code read into the snapshot the live collector builds (CONTRACT §6.5).

CloudFormation (YAML with short-form intrinsics, or JSON), SAM (through AWS's SAM translator)
and Serverless Framework files become one Application of CloudFormation resources, each with
where it is written; build.py resolves their intrinsic functions and turns them into a
Snapshot, so that the same audit runs before deploy. What cannot be resolved offline is named
in the snapshot's errors (the report is incomplete), never guessed.

    load.load_application(paths)            files -> Application (resources with locations)
    identities.identities_for(app, ...)     the account, region and physical ids to resolve with
    build.build_snapshot(app, identities)   Application -> TemplateSnapshot (Snapshot + SourceMap)
    locate.locate_findings(report, built)   each finding -> the resource to change

Stands beside collect/: it reads files, never AWS, and imports only the model.
"""
