import Foundation
import HeraldRegistry
import HeraldTestSupport
import NIOHTTP1
import HeraldKafka
import NIOHTTP1
import Testing

extension RegistryIntegration {
    /// The Confluent REST API, endpoint by endpoint, against a registry on the real broker.
    @Suite struct RESTTests {
        @Test func registersReadsAndLooksUpSchemas() async throws {
            let names = RegistryNames()
            let registry = try await RegistryInstance.start(names)
            defer { Task { try await registry.stop() } }
            let base = registry.base

            let first = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            #expect(first.status == 200)
            let id = try #require(first.object["id"] as? Int)
            // The same schema again, and under another subject: the same id, no new version.
            let again = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            #expect(again.object["id"] as? Int == id)
            let elsewhere = try await REST.call(.POST, "\(base)/subjects/audit-value/versions",
                                                json: REST.schemaBody(Schemas.orderV1, extra: ["schemaType": "AVRO", "metadata": NSNull(), "ruleSet": NSNull()]))
            #expect(elsewhere.object["id"] as? Int == id)
            let second = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV2))
            let secondID = try #require(second.object["id"] as? Int)
            #expect(secondID != id)

            #expect(try await REST.call(.GET, "\(base)/subjects").strings == ["audit-value", "orders-value"])
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions").ints == [1, 2])
            for latest in ["latest", "-1"] {
                let version = try await REST.call(.GET, "\(base)/subjects/orders-value/versions/\(latest)")
                #expect(version.object["version"] as? Int == 2)
                #expect(version.object["id"] as? Int == secondID)
                #expect(version.object["subject"] as? String == "orders-value")
            }
            let raw = try await REST.call(.GET, "\(base)/subjects/orders-value/versions/1/schema")
            #expect(raw.text == Schemas.orderV1)
            #expect(try await REST.call(.GET, "\(base)/schemas/ids/\(id)").object["schema"] as? String == Schemas.orderV1)
            #expect(try await REST.call(.GET, "\(base)/schemas/ids/\(id)/schema").text == Schemas.orderV1)
            #expect(try await REST.call(.GET, "\(base)/schemas/ids/\(id)/subjects").strings == ["audit-value", "orders-value"])
            let usages = try await REST.call(.GET, "\(base)/schemas/ids/\(id)/versions").body as? [[String: Any]] ?? []
            #expect(usages.map { "\($0["subject"] ?? "")@\($0["version"] ?? "")" } == ["audit-value@1", "orders-value@1"])
            #expect(try await REST.call(.GET, "\(base)/schemas/types").strings == ["AVRO"])

            // Lookup finds the version holding a schema, whitespace and attribute order aside.
            let spaced = #"{ "namespace": "com.example", "type": "record", "name": "Order", "fields": [ {"type": "string", "name": "id"} ] }"#
            let lookup = try await REST.call(.POST, "\(base)/subjects/orders-value", json: REST.schemaBody(spaced))
            #expect(lookup.status == 200)
            #expect(lookup.object["version"] as? Int == 1)
            #expect(lookup.object["id"] as? Int == id)
            let missing = try await REST.call(.POST, "\(base)/subjects/orders-value", json: REST.schemaBody(Schemas.customer))
            #expect(missing.status == 404)
            #expect(missing.errorCode == 40403)
        }

        @Test func rejectsBadRequestsWithConfluentCodesAndWritesNothing() async throws {
            let names = RegistryNames()
            let registry = try await RegistryInstance.start(names, maxSchemaBytes: 4096)
            defer { Task { try await registry.stop() } }
            let base = registry.base
            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            let endBefore = try await admin.watermarks(topic: names.topic, partition: 0).high

            let cases: [(String, HTTPMethod, String, String?, String, Int, Int)] = [
                ("unknown subject", .GET, "/subjects/nope/versions", nil, "", 404, 40401),
                ("unknown version", .GET, "/subjects/orders-value/versions/7", nil, "", 404, 40402),
                ("unknown id", .GET, "/schemas/ids/9999", nil, "", 404, 40403),
                ("invalid version", .GET, "/subjects/orders-value/versions/abc", nil, "", 422, 42202),
                ("version zero", .GET, "/subjects/orders-value/versions/0", nil, "", 422, 42202),
                ("invalid JSON body", .POST, "/subjects/orders-value/versions", "{not json", "application/json", 400, 400),
                ("invalid Avro", .POST, "/subjects/orders-value/versions", REST.schemaBody(#"{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}"#), "application/json", 422, 42201),
                ("schema not JSON", .POST, "/subjects/orders-value/versions", REST.schemaBody("{oops"), "application/json", 422, 42201),
                ("other schema type", .POST, "/subjects/orders-value/versions", REST.schemaBody(Schemas.orderV2, extra: ["schemaType": "PROTOBUF"]), "application/json", 422, 42201),
                ("wrong content type", .POST, "/subjects/orders-value/versions", REST.schemaBody(Schemas.orderV2), "text/plain", 415, 415),
                ("oversized schema", .POST, "/subjects/orders-value/versions", REST.schemaBody(String(repeating: " ", count: 5000) + Schemas.orderV2), "application/json", 413, 413),
                ("incompatible", .POST, "/subjects/orders-value/versions", REST.schemaBody(Schemas.orderBreaking), "application/json", 409, 409),
                ("invalid compatibility", .PUT, "/config/orders-value", #"{"compatibility":"SIDEWAYS"}"#, "application/json", 422, 42203),
                ("invalid mode", .PUT, "/mode/orders-value", #"{"mode":"WRITEONLY"}"#, "application/json", 422, 42204),
                ("id outside IMPORT", .POST, "/subjects/orders-value/versions", REST.schemaBody(Schemas.orderV2, extra: ["id": 77, "version": 5]), "application/json", 422, 42205),
                ("config not set", .GET, "/config/orders-value", nil, "", 404, 40408),
            ]
            for (what, method, path, body, type, status, code) in cases {
                let response = try await REST.call(method, base + path, json: body, contentType: type)
                #expect(response.status == status, "\(what): \(response.text)")
                #expect(response.errorCode == code, "\(what): \(response.text)")
                #expect(!(response.object["message"] as? String ?? "").isEmpty, "\(what) has no message")
            }
            let incompatible = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderBreaking))
            #expect((incompatible.object["message"] as? String ?? "").contains("count"), "the message names the field: \(incompatible.text)")

            #expect(try await admin.watermarks(topic: names.topic, partition: 0).high == endBefore, "a rejected request wrote to the log")
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions").ints == [1])
            await admin.close()
        }

        @Test func softAndPermanentDeletesFollowConfluentRules() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV2))

            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value/versions/2?permanent=true").errorCode == 40407)
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value/versions/2").body as? Int == 2)
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value/versions/2").errorCode == 40406)
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions").ints == [1])
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions?deleted=true").ints == [1, 2])
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions/2").errorCode == 40402)
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions/2?deleted=true").object["version"] as? Int == 2)
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value/versions/2?permanent=true").body as? Int == 2)
            #expect(try await REST.call(.GET, "\(base)/subjects/orders-value/versions?deleted=true").ints == [1])

            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value?permanent=true").errorCode == 40405)
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value").ints == [1])
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value").errorCode == 40404)
            #expect(try await REST.call(.GET, "\(base)/subjects").strings == [])
            #expect(try await REST.call(.GET, "\(base)/subjects?deleted=true").strings == ["orders-value"])
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value?permanent=true").ints == [1])
            #expect(try await REST.call(.GET, "\(base)/subjects?deleted=true").strings == [])
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value").errorCode == 40401)

            // A new registration never reuses a permanently deleted id.
            let next = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.customer))
            #expect(next.object["id"] as? Int == 3)
        }

        @Test func referencesResolveAndProtectWhatTheyReference() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let customerID = try #require(try await REST.call(.POST, "\(base)/subjects/customer/versions", json: REST.schemaBody(Schemas.customer)).object["id"] as? Int)
            let invoice = #"{"type":"record","name":"Invoice","namespace":"com.example","fields":[{"name":"customer","type":"com.example.Customer"}]}"#
            let references: [[String: Any]] = [["name": "com.example.Customer", "subject": "customer", "version": 1]]

            let unresolved = try await REST.call(.POST, "\(base)/subjects/invoice/versions", json: REST.schemaBody(invoice))
            #expect(unresolved.errorCode == 42201)
            let registered = try await REST.call(.POST, "\(base)/subjects/invoice/versions", json: REST.schemaBody(invoice, extra: ["references": references]))
            let invoiceID = try #require(registered.object["id"] as? Int)
            let fetched = try await REST.call(.GET, "\(base)/subjects/invoice/versions/1")
            #expect((fetched.object["references"] as? [[String: Any]])?.first?["subject"] as? String == "customer")
            #expect(try await REST.call(.GET, "\(base)/subjects/customer/versions/1/referencedby").ints == [invoiceID])

            let refused = try await REST.call(.DELETE, "\(base)/subjects/customer/versions/1")
            #expect(refused.errorCode == 42206)
            #expect(try await REST.call(.GET, "\(base)/schemas/ids/\(customerID)").status == 200)
        }

        @Test func compatibilityConfigAndChecksEndToEnd() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            #expect(try await REST.call(.GET, "\(base)/config").object["compatibilityLevel"] as? String == "BACKWARD")

            // Checking against a subject that does not exist yet is compatible.
            let fresh = try await REST.call(.POST, "\(base)/compatibility/subjects/new-value/versions/latest", json: REST.schemaBody(Schemas.orderV1))
            #expect(fresh.object["is_compatible"] as? Bool == true)
            #expect(try await REST.call(.POST, "\(base)/compatibility/subjects/new-value/versions/1", json: REST.schemaBody(Schemas.orderV1)).errorCode == 40402)

            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))
            let breaking = try await REST.call(.POST, "\(base)/compatibility/subjects/orders-value/versions/latest?verbose=true", json: REST.schemaBody(Schemas.orderBreaking))
            #expect(breaking.object["is_compatible"] as? Bool == false)
            #expect((breaking.object["messages"] as? [String] ?? []).contains { $0.contains("count") })
            let quiet = try await REST.call(.POST, "\(base)/compatibility/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderBreaking))
            #expect(quiet.object["is_compatible"] as? Bool == false)
            #expect(quiet.object["messages"] == nil)

            // FORWARD: old readers must read new data — adding a required field is fine, removing one is not.
            #expect(try await REST.call(.PUT, "\(base)/config/orders-value", json: #"{"compatibility":"FORWARD"}"#).object["compatibility"] as? String == "FORWARD")
            #expect(try await REST.call(.GET, "\(base)/config/orders-value").object["compatibilityLevel"] as? String == "FORWARD")
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderBreaking)).status == 200)
            let removesField = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"count","type":"int"}]}"#
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(removesField)).errorCode == 409)

            // Deleting the subject's level brings the global one back.
            #expect(try await REST.call(.DELETE, "\(base)/config/orders-value").object["compatibilityLevel"] as? String == "FORWARD")
            #expect(try await REST.call(.GET, "\(base)/config/orders-value?defaultToGlobal=true").object["compatibilityLevel"] as? String == "BACKWARD")

            // NONE accepts anything.
            _ = try await REST.call(.PUT, "\(base)/config/orders-value", json: #"{"compatibility":"NONE"}"#)
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.customer)).status == 200)
        }

        @Test func transitiveLevelsCheckEveryVersion() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let v1 = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#
            let v2 = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#
            let v3 = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}"#
            _ = try await REST.call(.PUT, "\(base)/config/chain", json: #"{"compatibility":"BACKWARD_TRANSITIVE"}"#)
            #expect(try await REST.call(.POST, "\(base)/subjects/chain/versions", json: REST.schemaBody(v1)).status == 200)
            #expect(try await REST.call(.POST, "\(base)/subjects/chain/versions", json: REST.schemaBody(v2)).status == 200)
            // v3 reads v2 data (b present) but not v1 data (b missing, no default).
            #expect(try await REST.call(.POST, "\(base)/compatibility/subjects/chain/versions/2", json: REST.schemaBody(v3)).object["is_compatible"] as? Bool == true)
            #expect(try await REST.call(.POST, "\(base)/subjects/chain/versions", json: REST.schemaBody(v3)).errorCode == 409)
            _ = try await REST.call(.PUT, "\(base)/config/chain", json: #"{"compatibility":"BACKWARD"}"#)
            #expect(try await REST.call(.POST, "\(base)/subjects/chain/versions", json: REST.schemaBody(v3)).status == 200)
        }

        @Test func modesGuardWritesAndImportKeepsIDs() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            #expect(try await REST.call(.GET, "\(base)/mode").object["mode"] as? String == "READWRITE")
            _ = try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1))

            #expect(try await REST.call(.PUT, "\(base)/mode/orders-value", json: #"{"mode":"READONLY"}"#).object["mode"] as? String == "READONLY")
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV2)).errorCode == 42205)
            #expect(try await REST.call(.DELETE, "\(base)/subjects/orders-value").errorCode == 42205)
            #expect(try await REST.call(.DELETE, "\(base)/mode/orders-value").object["mode"] as? String == "READONLY")

            #expect(try await REST.call(.PUT, "\(base)/mode", json: #"{"mode":"IMPORT"}"#).errorCode == 42205, "IMPORT over existing schemas needs force")
            #expect(try await REST.call(.PUT, "\(base)/mode/imported?force=true", json: #"{"mode":"IMPORT"}"#).status == 200)
            let imported = try await REST.call(.POST, "\(base)/subjects/imported/versions", json: REST.schemaBody(Schemas.customer, extra: ["id": 500, "version": 7]))
            #expect(imported.object["id"] as? Int == 500)
            #expect(try await REST.call(.GET, "\(base)/subjects/imported/versions").ints == [7])
            // Another schema cannot take an imported id.
            #expect(try await REST.call(.POST, "\(base)/subjects/imported/versions", json: REST.schemaBody(Schemas.orderV2, extra: ["id": 500, "version": 8])).errorCode == 42205)
            // Ids assigned later continue above every imported one.
            _ = try await REST.call(.DELETE, "\(base)/mode/imported")
            let next = try await REST.call(.POST, "\(base)/subjects/fresh/versions", json: REST.schemaBody(Schemas.orderV2))
            #expect(next.object["id"] as? Int == 501)
        }
    }
}
