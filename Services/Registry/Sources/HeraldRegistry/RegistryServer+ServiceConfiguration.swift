public import HeraldRuntime

/// The shared options (`CommonOptions`) become this configuration the way they do for every service.
extension RegistryServer.Configuration: ServiceConfiguration {}
