import Foundation
import HeraldCore
import HeraldProtos
import SwiftProtobuf
import Synchronization
import Testing
@testable import HeraldDelivery

/// `PreparedEndpoints` without a broker: an endpoint is prepared once per version of the table,
/// and signs with the previous secret only while its overlap lasts.
@Suite struct PreparedEndpointsTests {
    private static func prepared(url: String, previousUntil: Date? = nil) throws -> PreparedEndpoints.Prepared {
        let endpoint = Herald_V1_Endpoint.with { $0.id = "e"; $0.url = url; $0.headers = ["x-b": "plain", "x-a": "plain"] }
        let current = try WebhookSecret(WebhookSecret.generate()), previous = try WebhookSecret(WebhookSecret.generate())
        func resolved(_ signing: [WebhookSecret]) -> ResolvedEndpoint {
            ResolvedEndpoint(endpoint: endpoint, signingSecrets: signing, secretHeaders: ["x-b": "secret"], retryPolicy: RetryPolicy())
        }
        return .init(currentOnly: resolved([current]), withPrevious: previousUntil.map { _ in resolved([current, previous]) },
                     previousSignsUntil: previousUntil)
    }

    @Test func anEndpointIsPreparedOncePerRevisionOfTheTable() throws {
        let endpoints = PreparedEndpoints()
        let made = Mutex(0)
        func lookUp(_ revision: Int, url: String) throws -> String? {
            let prepared = try Self.prepared(url: url)
            return endpoints.endpoint("e", revision: revision) {
                made.withLock { $0 += 1 }
                return prepared
            }?.currentOnly.endpoint.url
        }
        #expect(try lookUp(3, url: "http://a.example/") == "http://a.example/")
        #expect(try lookUp(3, url: "http://a.example/") == "http://a.example/")
        #expect(made.withLock { $0 } == 1, "prepared once while the table is unchanged")
        // The table changed (here: the endpoint's URL): the next send prepares it again.
        #expect(try lookUp(4, url: "http://b.example/") == "http://b.example/")
        #expect(try lookUp(4, url: "http://b.example/") == "http://b.example/")
        #expect(made.withLock { $0 } == 2)
        // A reader still at the older revision gets that revision's endpoint, and leaves the newer one in place.
        #expect(try lookUp(3, url: "http://a.example/") == "http://a.example/")
        #expect(try lookUp(4, url: "http://c.example/") == "http://b.example/")
    }

    @Test func anEndpointThatCannotBePreparedIsTriedAgainAtTheNextSend() {
        let endpoints = PreparedEndpoints()
        let made = Mutex(0)
        for _ in 0..<2 {
            let result = endpoints.endpoint("e", revision: 1) {
                made.withLock { $0 += 1 }
                return nil
            }
            #expect(result == nil)
        }
        #expect(made.withLock { $0 } == 2)
    }

    @Test func thePreviousSecretSignsOnlyUntilItsOverlapEnds() throws {
        let now = Date()
        let rotating = try Self.prepared(url: "http://a.example/", previousUntil: now.addingTimeInterval(60))
        #expect(rotating.at(now).signingSecrets.count == 2)
        #expect(rotating.at(now.addingTimeInterval(60)).signingSecrets.count == 1)
        let settled = try Self.prepared(url: "http://a.example/")
        #expect(settled.at(now).signingSecrets.count == 1)
    }

    @Test func whatEveryRequestRepeatsIsWorkedOutWithTheEndpoint() throws {
        let endpoint = try Self.prepared(url: "http://[::1]:8080/hook").currentOnly
        #expect(endpoint.requestHeaders.map(\.name) == ["x-a", "x-b"])
        #expect(endpoint.requestHeaders.map(\.value) == ["plain", "secret"], "a secret header wins over a plain one of the same name")
        #expect(try endpoint.host.get() == "::1")
        let refused = try Self.prepared(url: "ftp://a.example/").currentOnly
        #expect(throws: EndpointAddressPolicy.Refusal.self) { try refused.host.get() }
    }
}
