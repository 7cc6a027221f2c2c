public import Foundation
import GRPCCore
public import HeraldProtos
import SwiftProtobuf
import Synchronization

/// An endpoint's write-only values — its signing secret (with the one it replaced, during a
/// rotation's overlap) and its secret header values: sealed on the way in, redacted on the way
/// out, opened for a send.
public final class EndpointSecrets: Sendable {
    /// What an answer shows instead of a secret header's value; put back, it keeps the stored value.
    public static let redactedValue = "<redacted>"
    public let box: SecretBox
    /// How long a replaced secret keeps signing beside the new one.
    public let overlap: Duration
    /// Plaintexts by sealed form, so a send does not decrypt each time.
    private let opened = Mutex<[String: String]>([:])

    public init(box: SecretBox, overlap: Duration) {
        self.box = box
        self.overlap = overlap
    }

    /// What a send needs: the secrets that sign, and the secret headers in clear.
    public struct Opened: Sendable {
        public let signing: [WebhookSecret]
        public let headers: [String: String]
    }

    // MARK: In

    /// The stored form of `incoming`, replacing `current` (nil for a new endpoint) at `now`.
    /// An empty secret keeps the current one (or generates one for a new endpoint); a different
    /// secret rotates, the replaced one signing for `overlap` more. `previous_secret` and its
    /// expiry are the service's to set: whatever the caller sent there is replaced.
    func sealing(_ incoming: Herald_V1_Endpoint, over current: Herald_V1_Endpoint?, at now: Date) throws(DeliveryAPIError) -> Herald_V1_Endpoint {
        var stored = incoming
        let kept = current.map(Self.rotation(of:))?.droppingExpired(at: now)
        let rotation: SecretRotation
        if incoming.secret.isEmpty {
            rotation = if let kept, !kept.current.isEmpty { kept } else { SecretRotation(current: try seal(WebhookSecret.generate())) }
        } else {
            do { _ = try WebhookSecret(incoming.secret) } catch { throw DeliveryAPIError(.invalidArgument, "endpoint.\(error.description)") }
            if let kept, !kept.current.isEmpty, (try? plaintext(kept.current)) == incoming.secret {
                rotation = kept
            } else if let kept, !kept.current.isEmpty {
                rotation = kept.rotated(to: try seal(incoming.secret), at: now, overlap: overlap)
            } else {
                rotation = SecretRotation(current: try seal(incoming.secret))
            }
        }
        Self.apply(rotation, to: &stored)
        stored.secretHeaders = [:]
        for (name, value) in incoming.secretHeaders {
            if value == Self.redactedValue {
                guard let sealed = current?.secretHeaders.first(where: { $0.key.lowercased() == name.lowercased() })?.value else {
                    throw DeliveryAPIError(.invalidArgument, "endpoint.secret_headers['\(name)']: '\(Self.redactedValue)' keeps the stored value, but the endpoint has none")
                }
                stored.secretHeaders[name] = sealed
            } else {
                guard !value.isEmpty else { throw DeliveryAPIError(.invalidArgument, "endpoint.secret_headers['\(name)']: must not be empty") }
                stored.secretHeaders[name] = try seal(value)
            }
        }
        return stored
    }

    /// The stored endpoint without a previous secret that no longer signs, or nil when it has none.
    func droppingExpiredPrevious(_ stored: Herald_V1_Endpoint, at now: Date) -> Herald_V1_Endpoint? {
        let rotation = Self.rotation(of: stored)
        guard rotation.isPreviousExpired(at: now) else { return nil }
        var copy = stored
        Self.apply(rotation.droppingExpired(at: now), to: &copy)
        return copy
    }

    // MARK: Out

    /// An endpoint as answers show it: no secret, no previous secret, secret header values redacted.
    public static func redacted(_ stored: Herald_V1_Endpoint) -> Herald_V1_Endpoint {
        var copy = stored
        copy.secret = ""
        copy.previousSecret = ""
        copy.secretHeaders = copy.secretHeaders.mapValues { _ in redactedValue }
        return copy
    }

    /// Opens what a send at `now` needs.
    public func open(_ stored: Herald_V1_Endpoint, at now: Date) throws -> Opened {
        let signing = try Self.rotation(of: stored).signing(at: now).map { try WebhookSecret(try plaintext($0)) }
        return Opened(signing: signing, headers: try stored.secretHeaders.mapValues { try plaintext($0) })
    }

    /// Every secret a send may need, whatever the time: the current one, the previous one with
    /// the end of its overlap (while the endpoint keeps it), and the secret headers in clear.
    public struct OpenedRotation: Sendable {
        public let current: WebhookSecret
        public let previous: WebhookSecret?
        /// When `previous` stops signing.
        public let previousSignsUntil: Date?
        public let headers: [String: String]
    }

    /// Opens every sealed value of the stored endpoint, for `PreparedEndpoints` to choose from at each send.
    public func openRotation(_ stored: Herald_V1_Endpoint) throws -> OpenedRotation {
        let rotation = Self.rotation(of: stored)
        return OpenedRotation(current: try WebhookSecret(try plaintext(rotation.current)),
                              previous: try rotation.previous.map { try WebhookSecret(try plaintext($0)) },
                              previousSignsUntil: rotation.previousExpiresAt,
                              headers: try stored.secretHeaders.mapValues { try plaintext($0) })
    }

    /// Whether any sealed value of the stored endpoint does not open with this instance's keys.
    public func isUnreadable(_ stored: Herald_V1_Endpoint) -> Bool {
        let sealed = [stored.secret] + (stored.previousSecret.isEmpty ? [] : [stored.previousSecret]) + Array(stored.secretHeaders.values)
        return sealed.contains { (try? plaintext($0)) == nil } || (try? WebhookSecret(plaintext(stored.secret))) == nil
    }

    // MARK: Internals

    static func rotation(of stored: Herald_V1_Endpoint) -> SecretRotation {
        SecretRotation(current: stored.secret, previous: stored.previousSecret.isEmpty ? nil : stored.previousSecret,
                       previousExpiresAt: stored.hasPreviousSecretExpiresAt ? stored.previousSecretExpiresAt.date : nil)
    }

    private static func apply(_ rotation: SecretRotation, to stored: inout Herald_V1_Endpoint) {
        stored.secret = rotation.current
        stored.previousSecret = rotation.previous ?? ""
        if let expiry = rotation.previousExpiresAt { stored.previousSecretExpiresAt = Google_Protobuf_Timestamp(date: expiry) } else { stored.clearPreviousSecretExpiresAt() }
    }

    private func seal(_ plaintext: String) throws(DeliveryAPIError) -> String {
        do { return try box.seal(plaintext) } catch { throw DeliveryAPIError(.internalError, "encrypting a secret failed: \(error)") }
    }

    private func plaintext(_ sealed: String) throws -> String {
        if let cached = opened.withLock({ $0[sealed] }) { return cached }
        let plaintext = try box.open(sealed)
        opened.withLock { $0[sealed] = plaintext }
        return plaintext
    }
}
