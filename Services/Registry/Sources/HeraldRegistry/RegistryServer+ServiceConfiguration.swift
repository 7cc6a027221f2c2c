public import HeraldRuntime

/// The shared options (`CommonOptions`) become this configuration the way they do for every service.
extension RegistryServer.Configuration: ServiceConfiguration {
    /// A follower forwards writes to the leader with the registry client TLS options (`--tls-ca-file`, …).
    public mutating func adopt(_ options: CommonOptions) {
        leaderTLS = options.registryTLS.clientTLS
    }
}

/// `herald-registry` runs it the way every service executable runs its server (`ServiceCommand`).
extension RegistryServer: AssembledService {}
