import Foundation
import HeraldRegistry
import NIOHTTP1
import Testing

extension RegistryIntegration {
    /// Where Herald used to answer differently from Confluent Schema Registry, each answer as
    /// Confluent's documentation and source give it.
    @Suite struct ConfluentParityTests {
        @Test func compatibilityAgainstAMissingVersionIsVersionNotFound() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let check = { (subject: String, version: Int) in
                try await REST.call(.POST, "\(base)/compatibility/subjects/\(subject)/versions/\(version)", json: REST.schemaBody(Schemas.orderV1))
            }

            let unknownSubject = try await check("nosuch", 1)
            #expect(unknownSubject.status == 404)
            #expect(unknownSubject.errorCode == 40402)
            #expect(unknownSubject.object["message"] as? String == "Version 1 not found.")

            _ = try await REST.call(.POST, "\(base)/subjects/only/versions", json: REST.schemaBody(Schemas.orderV1))
            #expect(try await check("only", 1).object["is_compatible"] as? Bool == true)
            #expect(try await check("only", 2).errorCode == 40402)
            _ = try await REST.call(.DELETE, "\(base)/subjects/only/versions/1")
            #expect(try await check("only", 1).errorCode == 40402, "after a soft delete of the only version")
            _ = try await REST.call(.DELETE, "\(base)/subjects/only/versions/1?permanent=true")
            #expect(try await check("only", 1).errorCode == 40402, "after a hard delete of the only version")
        }

        @Test func listsSchemasWithConfluentsParametersAndServesTheRoot() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let root = try await REST.call(.GET, "\(base)/")
            #expect(root.status == 200)
            #expect(root.text == "{}")
            #expect(try await REST.call(.GET, "\(base)/contexts").strings == ["."])

            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV2))
            _ = try await REST.call(.POST, "\(base)/subjects/customer/versions", json: REST.schemaBody(Schemas.customer))
            _ = try await REST.call(.DELETE, "\(base)/subjects/orders-value/versions/2")

            func listed(_ query: String) async throws -> [String] {
                let response = try await REST.call(.GET, "\(base)/schemas\(query)")
                #expect(response.status == 200, "\(query): \(response.text)")
                return (response.body as? [[String: Any]] ?? []).map { "\($0["subject"] ?? "")@\($0["version"] ?? "")" }
            }
            #expect(try await listed("") == ["customer@1", "orders-value@1"])
            #expect(try await listed("?deleted=true") == ["customer@1", "orders-value@1", "orders-value@2"])
            #expect(try await listed("?deleted=true&latestOnly=true") == ["customer@1", "orders-value@2"])
            #expect(try await listed("?subjectPrefix=orders&deleted=true") == ["orders-value@1", "orders-value@2"])
            #expect(try await listed("?deleted=true&offset=1&limit=1") == ["orders-value@1"])
            let first = try await REST.call(.GET, "\(base)/schemas?limit=1").body as? [[String: Any]] ?? []
            #expect(first.first?["schema"] as? String == Schemas.customer)
            #expect(first.first?["id"] as? Int != nil)
        }

        @Test func reservedAttributesOnPrimitivesDoNotMakeAnotherSchema() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let named = #"{"type":"int","name":"xname"}"#
            let id = try #require(try await REST.call(.POST, "\(base)/subjects/a/versions", json: REST.schemaBody(named)).object["id"] as? Int)

            let lookup = try await REST.call(.POST, "\(base)/subjects/a", json: REST.schemaBody(#"{"type":"int"}"#))
            #expect(lookup.status == 200, "\(lookup.text)")
            #expect(lookup.object["id"] as? Int == id)
            #expect(try await REST.call(.POST, "\(base)/subjects/b/versions", json: REST.schemaBody(named)).object["id"] as? Int == id)
            #expect(try await REST.call(.POST, "\(base)/subjects/c/versions", json: REST.schemaBody(#""int""#)).object["id"] as? Int == id)
            // A custom attribute is part of the schema, as in Avro's reference implementation.
            let custom = try await REST.call(.POST, "\(base)/subjects/d/versions", json: REST.schemaBody(#"{"type":"int","owner":"x"}"#))
            #expect(custom.object["id"] as? Int != id)
        }

        @Test func negotiatesTheResponseMediaTypeFromAccept() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let url = "\(registry.base)/subjects"

            let cases: [(accept: String?, contentType: String)] = [
                (nil, "application/vnd.schemaregistry.v1+json"),
                ("application/json", "application/json"),
                ("application/vnd.schemaregistry+json", "application/vnd.schemaregistry+json"),
                ("*/*", "application/vnd.schemaregistry.v1+json"),
                ("text/html, application/json;q=0.9", "application/json"),
            ]
            for (accept, contentType) in cases {
                let response = try await REST.call(.GET, url, accept: accept)
                #expect(response.status == 200, "Accept \(accept ?? "none")")
                #expect(response.contentType == contentType, "Accept \(accept ?? "none")")
            }
            let refused = try await REST.call(.GET, url, accept: "text/html")
            #expect(refused.status == 406)
            #expect(refused.errorCode == 406)
            #expect(refused.object["message"] as? String == "HTTP 406 Not Acceptable")
        }

        @Test func unparsablePathValuesAndUnknownPathsAnswerLikeConfluent() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            for path in ["/schemas/ids/invalid", "/schemas/ids/4294967296/schema", "/no/such/route"] {
                let response = try await REST.call(.GET, base + path)
                #expect(response.status == 404, "\(path)")
                #expect(response.errorCode == 404, "\(path): \(response.text)")
                #expect(response.object["message"] as? String == "HTTP 404 Not Found", "\(path)")
            }
            // A well-formed id that is not registered is a missing schema.
            let missing = try await REST.call(.GET, "\(base)/schemas/ids/12345")
            #expect(missing.errorCode == 40403)
            #expect(missing.object["message"] as? String == "Schema 12345 not found")
        }

        @Test func standardErrorsUseConfluentsMessages() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            _ = try await REST.call(.POST, "\(base)/subjects/orders/versions", json: REST.schemaBody(Schemas.orderV1))
            _ = try await REST.call(.POST, "\(base)/subjects/orders/versions", json: REST.schemaBody(Schemas.orderV2))
            func message(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> String {
                try await REST.call(method, base + path, json: body).object["message"] as? String ?? ""
            }

            #expect(try await message(.GET, "/subjects/orders/versions/9") == "Version 9 not found.")
            #expect(try await message(.GET, "/subjects/nope/versions") == "Subject 'nope' not found.")
            #expect(try await message(.POST, "/subjects/orders/versions", REST.schemaBody("")) == "Empty schema")
            #expect(try await message(.POST, "/subjects/orders/versions", REST.schemaBody("{oops")).hasPrefix("Invalid schema {oops, details: "))
            #expect(try await message(.POST, "/subjects/orders/versions", REST.schemaBody(Schemas.orderBreaking))
                .hasPrefix(#"Schema being registered is incompatible with an earlier schema for subject "orders", details: "#))
            #expect(try await message(.POST, "/subjects/orders", REST.schemaBody(Schemas.customer)) == "Schema not found")
            #expect(try await message(.GET, "/config/orders") == "Subject 'orders' does not have subject-level compatibility configured")
            #expect(try await message(.DELETE, "/subjects/orders?permanent=true") == "Subject 'orders' was not deleted first before being permanently deleted")
            #expect(try await message(.DELETE, "/subjects/orders/versions/2?permanent=true")
                == "Subject 'orders' Version 2 was not deleted first before being permanently deleted")
            _ = try await REST.call(.DELETE, "\(base)/subjects/orders/versions/2")
            #expect(try await message(.DELETE, "/subjects/orders/versions/2")
                == "Subject 'orders' Version 2 was soft deleted.Set permanent=true to delete permanently")
            _ = try await REST.call(.DELETE, "\(base)/subjects/orders")
            #expect(try await message(.DELETE, "/subjects/orders") == "Subject 'orders' was soft deleted.Set permanent=true to delete permanently")
        }
    }
}
