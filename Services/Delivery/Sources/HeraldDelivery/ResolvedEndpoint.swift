public import HeraldCore
public import HeraldProtos

/// An endpoint as the sender needs it: the secrets that sign now and the secret headers
/// decrypted, the retry policy resolved, and what every request to it repeats worked out once.
public struct ResolvedEndpoint: Sendable {
    public let endpoint: Herald_V1_Endpoint
    /// The current secret first, then the replaced one while a rotation's overlap lasts.
    public let signingSecrets: [WebhookSecret]
    /// The secret headers, in clear.
    public let secretHeaders: [String: String]
    public let retryPolicy: HeraldCore.RetryPolicy
    /// The endpoint's headers and its secret headers (which win a clash), in name order.
    public let requestHeaders: [(name: String, value: String)]
    /// The URL's host (without brackets), or why the URL is refused.
    public let host: Result<String, EndpointAddressPolicy.Refusal>

    public init(endpoint: Herald_V1_Endpoint, signingSecrets: [WebhookSecret], secretHeaders: [String: String] = [:], retryPolicy: HeraldCore.RetryPolicy) {
        self.endpoint = endpoint
        self.signingSecrets = signingSecrets
        self.secretHeaders = secretHeaders
        self.retryPolicy = retryPolicy
        self.requestHeaders = endpoint.headers.merging(secretHeaders, uniquingKeysWith: { _, secret in secret })
            .sorted(by: { $0.key < $1.key }).map { (name: $0.key, value: $0.value) }
        self.host = Result { () throws(EndpointAddressPolicy.Refusal) in try EndpointAddressPolicy.parse(endpoint.url).host }
    }
}
