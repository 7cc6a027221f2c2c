public import HeraldRuntime

/// The shared options (`CommonOptions`) become this configuration the way they do for every service.
extension RouterServer.Configuration: ServiceConfiguration {}

/// `herald-router` runs it the way every service executable runs its server (`ServiceCommand`).
extension RouterServer: AssembledService {}
