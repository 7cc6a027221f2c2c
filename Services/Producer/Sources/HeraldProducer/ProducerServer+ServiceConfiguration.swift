public import HeraldRuntime

/// The shared options (`CommonOptions`) become this configuration the way they do for every service.
extension ProducerServer.Configuration: RegistryClientConfiguration {}

/// `herald-producer` runs it the way every service executable runs its server (`ServiceCommand`).
extension ProducerServer: AssembledService {}
