import ArgumentParser
import Foundation
import GRPCCore
import HeraldCore
import HeraldProtos
import HeraldRuntime
import Testing

/// The RPC → scope tables and the decision every call goes through, without a server.
@Suite struct AccessTableTests {
    static let services: [(name: String, table: RPCAccessTable, methods: [MethodDescriptor])] = [
        ("registry", .registry, Herald_V1_Registry.Method.descriptors),
        ("producer", .producer, Herald_V1_Producer.Method.descriptors),
        ("router", .router, Herald_V1_Router.Method.descriptors),
        ("delivery", .delivery, Herald_V1_Delivery.Method.descriptors),
    ]

    /// Fail closed is only safe if no RPC is forgotten: every method of every generated service
    /// has a rule in its service's table, and only health and reflection are open.
    @Test func everyGeneratedMethodHasARule() {
        let standard = Grpc_Health_V1_Health.Method.descriptors + [ReflectionService.v1, ReflectionService.v1alpha]
        for (name, table, methods) in Self.services {
            for method in methods {
                let rule = table.rule(for: method.fullyQualifiedMethod)
                #expect(rule != nil && rule != .open, "\(name): \(method.fullyQualifiedMethod) has no scope")
            }
            for method in standard {
                #expect(table.rule(for: method.fullyQualifiedMethod) == .open, "\(name): \(method.fullyQualifiedMethod) is not open")
            }
        }
        for method in ["CreateKey", "ListKeys", "RevokeKey"] {
            #expect(RPCAccessTable.registry.rule(for: "herald.v1.Keys/\(method)") == .requires(.keysAdmin))
        }
        // A key may ask about itself whatever its scopes, never without a key.
        #expect(RPCAccessTable.registry.rule(for: "herald.v1.Keys/WhoAmI") == .anyKey)
        for method in Herald_V1_Keys.Method.descriptors {
            #expect(RPCAccessTable.registry.rule(for: method.fullyQualifiedMethod).map { $0 != .open } == true, "\(method.fullyQualifiedMethod) has no rule")
        }
        #expect(RPCAccessTable.delivery.rule(for: "herald.v1.Delivery/SendTestEvent") == .requires(.endpointsWrite))
    }

    @Test func writesNeedWriteScopesAndReadsReadScopes() {
        #expect(RPCAccessTable.registry.rule(for: "herald.v1.Registry/SetMode") == .requires(.schemasWrite))
        #expect(RPCAccessTable.router.rule(for: "herald.v1.Router/PutRoute") == .requires(.routesWrite))
        #expect(RPCAccessTable.delivery.rule(for: "herald.v1.Delivery/Redrive") == .requires(.deliveriesRedrive))
        #expect(RPCAccessTable.producer.rule(for: "herald.v1.Producer/PublishStream") == .requires(.eventsPublish))
        #expect(RPCAccessTable.router.rule(for: "herald.v1.Registry/SetMode") == nil, "a method of another service is unlisted")
    }

    let reader = APIKey.generate()
    let revoked = APIKey.generate()
    var ring: KeyRing {
        KeyRing([
            KeyRecord(key: reader, name: "reader", scopes: [.schemasRead], createdAt: .now),
            KeyRecord(id: revoked.id, name: "gone", scopes: Set(Scope.allCases), hash: revoked.hash, createdAt: .now, revokedAt: .now),
        ])
    }

    @Test func decisions() {
        func decide(_ rule: AccessRule?, _ presented: String?) -> AccessDecision {
            AccessDecision.decide(call: "m", rule: rule, presented: presented, ring: ring)
        }
        #expect(decide(.open, nil) == .open)
        #expect(decide(.requires(.schemasRead), nil) == .unauthenticated(.missing))
        #expect(decide(.requires(.schemasRead), "hk_nope") == .unauthenticated(.malformed))
        #expect(decide(.requires(.schemasRead), APIKey.generate().presented) == .unauthenticated(.unknown))
        #expect(decide(.requires(.schemasRead), revoked.presented) == .unauthenticated(.revoked))
        #expect(decide(.requires(.schemasWrite), reader.presented) == .denied(missing: .schemasWrite, keyID: reader.id))
        #expect(decide(nil, reader.presented) == .unlisted("m"))
        #expect(decide(nil, nil) == .unauthenticated(.missing))
        // Any valid key, whatever it holds; still none, an unknown or a revoked one refused.
        #expect(decide(.anyKey, nil) == .unauthenticated(.missing))
        #expect(decide(.anyKey, revoked.presented) == .unauthenticated(.revoked))
        guard case .allowed(let asker, _) = decide(.anyKey, reader.presented) else {
            Issue.record("a valid key was refused a call open to any key")
            return
        }
        #expect(asker.keyID == reader.id)
        guard case .allowed(let principal, let credential) = decide(.requires(.schemasRead), reader.presented) else {
            Issue.record("a key with the scope is let through")
            return
        }
        #expect(principal.keyID == reader.id && credential == reader.presented)
        #expect(decide(.requires(.schemasRead), revoked.presented).refusal == decide(.requires(.schemasRead), APIKey.generate().presented).refusal)
        #expect(decide(.requires(.schemasWrite), reader.presented).refusal?.contains("schemas:write") == true)
    }

    @Test func credentialsComeAsBearerOrAsConfluentsBasicAuth() {
        let key = APIKey.generate()
        let basic = Data("\(key.id):\(key.secret)".utf8).base64EncodedString()
        #expect(PresentedCredential.key(inAuthorization: "Bearer \(key.presented)") == key.presented)
        #expect(PresentedCredential.key(inAuthorization: "bearer  \(key.presented)") == key.presented)
        #expect(PresentedCredential.key(inAuthorization: "Bearer \(key.presented) \t") == key.presented)
        #expect(PresentedCredential.key(inAuthorization: " Bearer \(key.presented)") == key.presented)
        #expect(PresentedCredential.key(inAuthorization: "Bearer ") == "Bearer", "no credential is refused as malformed")
        #expect(PresentedCredential.key(inAuthorization: "Basic \(basic)") == key.presented)
        #expect(PresentedCredential.key(inAuthorization: nil) == nil)
        #expect(PresentedCredential.key(inAuthorization: "  ") == nil)
        #expect(PresentedCredential.key(inAuthorization: "Digest abc") == "Digest abc", "anything else is refused as malformed")
        #expect(PresentedCredential.key(inAuthorization: "Basic !!!") == "Basic !!!")
    }

    @Test func aServiceWithoutKeysRefusesToStartSayingHow() throws {
        #expect {
            _ = try AuthOptions.parse([]).authentication()
        } throws: { error in
            "\(error)".contains("--bootstrap-key-file") && "\(error)".contains("herald key generate") && "\(error)".contains("--insecure-no-auth")
        }
        #expect(try AuthOptions.parse(["--insecure-no-auth"]).authentication().keys == nil)
        #expect(throws: (any Error).self) { try AuthOptions.parse(["--insecure-no-auth", "--bootstrap-key-file", "/dev/null"]) }
    }

    @Test func bootstrapKeysComeFromTheFileAndErrorsNameItsLine() throws {
        let key = APIKey.generate()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bootstrap-\(UUID()).keys").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# admin\n\(key.presented)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let authentication = try AuthOptions.parse(["--bootstrap-key-file", file, "--metrics-require-key"]).authentication()
        #expect((try? authentication.keys?.ring.authenticate(key.presented).get())?.has(.keysAdmin) == true)
        #expect(authentication.metricsRequireKey)

        try "# admin\n\(key.presented)x\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try AuthOptions.parse(["--bootstrap-key-file", file]).authentication()
        } throws: { error in
            "\(error)".contains("bootstrap key file \(file) line 2: malformed API key")
        }
        #expect {
            _ = try AuthOptions.parse(["--bootstrap-key-file", file + ".missing"]).authentication()
        } throws: { error in
            "\(error)".contains("--bootstrap-key-file \(file).missing: cannot read it")
        }
    }

    @Test func aClientKeyComesFromTheOptionOrAFileAndIsChecked() throws {
        let key = APIKey.generate()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("client-\(UUID()).key").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "\(key.presented)\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try ClientKeyOptions.parse(["--api-key", key.presented]).key() == key.presented)
        #expect(try ClientKeyOptions.parse(["--api-key-file", file]).key() == key.presented)
        #expect(try ClientKeyOptions.parse([]).key(fallbackFile: file) == key.presented)
        #expect(try ClientKeyOptions.parse([]).key(fallbackFile: file + ".absent") == nil)
        #expect(throws: (any Error).self) { try ClientKeyOptions.parse(["--api-key", "hk_short"]) }
    }
}
