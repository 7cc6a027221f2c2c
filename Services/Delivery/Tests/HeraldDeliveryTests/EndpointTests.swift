import Foundation
import GRPCCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    @Suite struct EndpointTests {
        @Test func endpointsAreStoredWithEncryptedSecretsThatNoAPIReturns() async throws {
            let stack = try await DeliveryStack.start()
            let secret = WebhookSecret.generate()
            let put = try await stack.putEndpoint("orders-hook", url: "http://127.0.0.1:9/hook", secret: secret) {
                $0.maxAttempts = 4
                $0.rateLimitPerSecond = 10
                $0.headers = ["authorization": "Bearer t"]
                $0.retrySchedule = [.init(seconds: 1, nanos: 0)]
            }
            #expect(put.secret.isEmpty)
            #expect(put.id == "orders-hook" && put.maxAttempts == 4 && put.headers["authorization"] == "Bearer t")
            _ = try await stack.putEndpoint("generated", url: "https://127.0.0.1/x")

            try await stack.withDelivery { client in
                let got = try await client.getEndpoint(.with { $0.id = "orders-hook" }).endpoint
                #expect(got.secret.isEmpty && got.url == "http://127.0.0.1:9/hook" && got.retrySchedule.count == 1)
                let listed = try await client.listEndpoints(.init()).endpoints
                #expect(listed.map(\.id) == ["generated", "orders-hook"])
                #expect(listed.allSatisfy { $0.secret.isEmpty })

                // Updating without a secret keeps the current one.
                _ = try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "orders-hook"; $0.url = "http://127.0.0.1:10/hook"; $0.enabled = true } })
                #expect(try await client.getEndpoint(.with { $0.id = "orders-hook" }).endpoint.url == "http://127.0.0.1:10/hook")

                try await client.deleteEndpoint(.with { $0.id = "generated" })
                await #expect(throws: RPCError.self) { _ = try await client.getEndpoint(.with { $0.id = "generated" }) }
                do {
                    _ = try await client.deleteEndpoint(.with { $0.id = "generated" })
                    Issue.record("deleting twice must fail")
                } catch let error as RPCError {
                    #expect(error.code == .notFound)
                }
                for bad in [
                    Herald_V1_Endpoint.with { $0.id = ""; $0.url = "http://127.0.0.1/" },
                    .with { $0.id = "x"; $0.url = "http://127.0.0.1/"; $0.secret = "plain-text" },
                    .with { $0.id = "x"; $0.url = "http://127.0.0.1/"; $0.maxAttempts = -1 },
                    .with { $0.id = "x"; $0.url = "not a url" },
                    .with { $0.id = "x"; $0.url = "http://127.0.0.1/"; $0.headers = ["webhook-id": "spoof"] },
                    .with { $0.id = "x"; $0.url = "http://127.0.0.1/"; $0.rateLimitPerSecond = 1e-10 },
                    .with { $0.id = "x"; $0.url = "http://127.0.0.1/"; $0.retrySchedule = [.init(seconds: 10_000_000_000_000_000, nanos: 0)] },
                ] {
                    do {
                        _ = try await client.putEndpoint(.with { $0.endpoint = bad })
                        Issue.record("accepted \(bad)")
                    } catch let error as RPCError {
                        #expect(error.code == .invalidArgument, "\(error)")
                    }
                }
            }

            // At rest: the secret is nowhere in the endpoints topic in clear.
            let raw = try await Fixtures.readAll(topic: stack.names.topics.endpoints)
            #expect(raw.count >= 3)
            let keyPart = String(secret.dropFirst("whsec_".count))
            for record in raw {
                let text = String(decoding: record.value ?? [], as: UTF8.self)
                #expect(!text.contains(keyPart) && !text.contains("whsec_"))
            }
            try await stack.stop()
        }

        @Test func endpointsResolvingToPrivateAddressesAreRefused() async throws {
            let stack = try await DeliveryStack.start(allowPrivate: false)
            try await stack.withDelivery { client in
                for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.7/", "http://192.168.1.20/",
                            "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fd00::1]/", "ftp://93.184.216.34/"] {
                    do {
                        _ = try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "e"; $0.url = url; $0.enabled = true } })
                        Issue.record("accepted \(url)")
                    } catch let error as RPCError {
                        #expect(error.code == .invalidArgument && error.message.contains("url"), "\(url): \(error)")
                    }
                }
                // A public address literal is fine (no request is made when storing).
                _ = try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "public"; $0.url = "https://93.184.216.34/hook"; $0.enabled = true } })
                #expect(try await client.listEndpoints(.init()).endpoints.map(\.id) == ["public"])
            }
            try await stack.stop()
        }
    }
}
