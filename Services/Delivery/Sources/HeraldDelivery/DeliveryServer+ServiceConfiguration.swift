public import HeraldRuntime

/// The shared options (`CommonOptions`) become this configuration the way they do for every service.
extension DeliveryServer.Configuration: RegistryClientConfiguration {}

/// `herald-delivery` runs it the way every service executable runs its server (`ServiceCommand`).
extension DeliveryServer: AssembledService {}
