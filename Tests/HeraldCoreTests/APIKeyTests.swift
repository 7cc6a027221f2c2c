import Foundation
import HeraldCore
import Testing

@Suite struct APIKeyTests {
    @Test func generatedKeyParsesBackAndPrintsNoSecret() throws {
        let key = APIKey.generate()
        #expect(key.presented.hasPrefix("hk_\(key.id)_"))
        #expect(key.secret.count == 64)
        #expect(try APIKey(parsing: key.presented) == key)
        #expect(!"\(key)".contains(key.secret))
        #expect(APIKey.generate() != key)
    }

    @Test(arguments: ["", "hk", "hk__", "xx_0123456789abcdef_" + String(repeating: "a", count: 64),
                      "hk_0123456789ABCDEF_" + String(repeating: "a", count: 64),
                      "hk_0123456789abcdef_" + String(repeating: "a", count: 63),
                      "hk_0123456789abcdef_" + String(repeating: "a", count: 64) + "_x"])
    func malformedKeysAreRefused(_ text: String) {
        #expect(throws: APIKeyError.self) { try APIKey(parsing: text) }
    }

    @Test func unknownScopeNamesTheValidOnes() {
        #expect(throws: APIKeyError.unknownScope("events:write")) { try Scope(parsing: "events:write") }
        #expect(APIKeyError.unknownScope("x").description.contains("events:publish"))
    }
}

@Suite struct KeyRingTests {
    let admin = APIKey.generate()
    let publisher = APIKey.generate()

    var ring: KeyRing {
        KeyRing([
            KeyRecord(key: admin, name: "admin", scopes: Set(Scope.allCases), createdAt: .now),
            KeyRecord(key: publisher, name: "billing", scopes: [.eventsPublish],
                      eventTypes: ["com.example.billing.*"], sources: ["/billing"], createdAt: .now),
        ])
    }

    @Test func aKnownKeyAuthenticatesWithItsScopes() throws {
        let principal = try ring.authenticate(admin.presented).get()
        #expect(principal.keyID == admin.id)
        #expect(principal.has(.keysAdmin))
    }

    @Test func missingMalformedUnknownAndRevokedKeysAreRefused() {
        var ring = ring
        #expect(ring.authenticate(nil) == .failure(.missing))
        #expect(ring.authenticate("Bearer x") == .failure(.malformed))
        #expect(ring.authenticate(APIKey.generate().presented) == .failure(.unknown))
        let forged = "hk_\(admin.id)_" + String(repeating: "0", count: 64)
        #expect(ring.authenticate(forged) == .failure(.unknown))
        var record = ring.record(id: admin.id)!
        record.revokedAt = .now
        ring.apply(record)
        #expect(ring.authenticate(admin.presented) == .failure(.revoked))
    }

    @Test func aVerifiedKeyIsCheckedAfreshOnceTheRingChanges() throws {
        var ring = ring
        #expect(try ring.authenticate(admin.presented).get().keyID == admin.id)
        #expect(try ring.authenticate(admin.presented).get().keyID == admin.id, "answered from the verified keys")
        let forged = "hk_\(admin.id)_" + String(repeating: "0", count: 64)
        #expect(ring.authenticate(forged) == .failure(.unknown), "a verified key's id with another secret is not the verified key")

        let beforeRevocation = ring
        var record = ring.record(id: admin.id)!
        record.revokedAt = .now
        ring.apply(record)
        #expect(ring.authenticate(admin.presented) == .failure(.revoked))
        #expect(try beforeRevocation.authenticate(admin.presented).get().keyID == admin.id, "a ring is a value: its copies keep their records")

        _ = try ring.authenticate(publisher.presented).get()
        ring.remove(id: publisher.id)
        #expect(ring.authenticate(publisher.presented) == .failure(.unknown))
    }

    @Test func aNarrowedKeyPublishesOnlyItsTypesAndSources() throws {
        let principal = try ring.authenticate(publisher.presented).get()
        #expect(principal.mayPublish(type: "com.example.billing.invoice", source: "/billing"))
        #expect(!principal.mayPublish(type: "com.example.shipping.sent", source: "/billing"))
        #expect(!principal.mayPublish(type: "com.example.billing.invoice", source: "/shipping"))
        #expect(!principal.has(.routesWrite))
    }

    @Test func recordsAreValidated() {
        let key = APIKey.generate()
        #expect(KeyRecord(key: key, name: "", scopes: [.schemasRead], createdAt: .now).violation != nil)
        #expect(KeyRecord(key: key, name: "k", scopes: [], createdAt: .now).violation != nil)
        #expect(KeyRecord(key: key, name: "k", scopes: [.eventsPublish], eventTypes: ["a*b"], createdAt: .now).violation != nil)
        #expect(KeyRecord(key: key, name: "k", scopes: [.eventsPublish], eventTypes: ["a.*"], createdAt: .now).violation == nil)
    }
}
