import Foundation
import HeraldCore
import Testing

@Suite struct KeyPlannerTests {
    let now = Date(timeIntervalSince1970: 1_765_081_800.123_456)

    @Test func createdRecordHoldsTheScopesPatternsAndHashButNoSecret() throws {
        let key = APIKey.generate()
        let record = try KeyPlanner.create(
            KeyCreation(name: "billing", scopes: ["events:publish"], eventTypes: ["com.example.billing.*"], sources: ["/billing"]),
            key: key, now: now)
        #expect(record.id == key.id && record.hash == key.hash && record.revokedAt == nil)
        #expect(record.scopes == [.eventsPublish] && record.eventTypes == ["com.example.billing.*"] && record.sources == ["/billing"])
        #expect(!String(decoding: record.storedValue(), as: UTF8.self).contains(key.secret))
        #expect(KeyRing([record]).authenticate(key.presented) == .success(Principal(record)))
    }

    @Test(arguments: [
        (KeyCreation(name: "x", scopes: []), "a key needs at least one scope"),
        (KeyCreation(name: "", scopes: ["keys:admin"]), "a key needs a name"),
        (KeyCreation(name: "x", scopes: ["events:write"]), "unknown scope 'events:write' (valid: deliveries:read, deliveries:redrive, endpoints:read"),
        (KeyCreation(name: "x", scopes: ["events:publish"], eventTypes: ["com.*.billing"]), "'*' may only end a pattern"),
        (KeyCreation(name: "x", scopes: ["events:publish"], sources: [""]), "a pattern must not be empty"),
        (KeyCreation(name: "bad\nname", scopes: ["events:publish"]), "without control characters"),
    ])
    func badCreationsAreRefusedSayingWhy(_ creation: KeyCreation, _ reason: String) {
        let error = #expect(throws: KeyRequestError.self) { try KeyPlanner.create(creation, key: .generate(), now: now) }
        guard case .invalid(let message) = error else {
            Issue.record("expected an invalid request, got \(String(describing: error))")
            return
        }
        #expect(message.contains(reason), "\(message)")
    }

    @Test func revokeWritesTheRecordWithItsRevocationOnceThenChangesNothing() throws {
        let key = APIKey.generate()
        let ring = KeyRing([KeyRecord(key: key, name: "k", scopes: [.routesRead], createdAt: now)])
        guard case .write(let revoked) = try KeyPlanner.revoke(id: key.id, in: ring, now: now) else {
            Issue.record("revoking an active key must write its revocation")
            return
        }
        #expect(revoked.revokedAt == KeyRecord.storedTime(now) && revoked.hash == key.hash)
        #expect(try KeyPlanner.revoke(id: key.id, in: KeyRing([revoked]), now: .now) == .unchanged(revoked))
        #expect(KeyRing([revoked]).authenticate(key.presented) == .failure(.revoked))
    }

    @Test func revokingAnUnknownOrMalformedIDSaysSo() {
        let unknown = APIKey.generate().id
        #expect(throws: KeyRequestError.notFound("no key has the id \(unknown)")) { try KeyPlanner.revoke(id: unknown, in: KeyRing(), now: now) }
        #expect(throws: KeyRequestError.invalid("a key id is 16 lowercase hex digits, got 'nope'")) { try KeyPlanner.revoke(id: "nope", in: KeyRing(), now: now) }
    }

    @Test func storedRecordSurvivesTheTopicUnchanged() throws {
        var record = KeyRecord(key: .generate(), name: "ops", scopes: [.routesWrite, .eventsPublish], eventTypes: ["a.*"], sources: ["/s"],
                               createdAt: KeyRecord.storedTime(now))
        #expect(try KeyRecord(storedValue: record.storedValue()) == record)
        record.revokedAt = KeyRecord.storedTime(now.addingTimeInterval(5))
        let stored = record.storedValue()
        #expect(try KeyRecord(storedValue: stored) == record)
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.hasPrefix(#"{"created_at_ms":1765081800123,"event_types":["a.*"],"hash":""#))
        #expect(text.contains(#""revoked_at_ms":1765081805123,"scopes":["events:publish","routes:write"],"sources":["/s"]}"#))
    }

    @Test func storedRecordsWithUnknownScopesOrBadIDsAreRefused() throws {
        let record = KeyRecord(key: .generate(), name: "x", scopes: [.keysAdmin], createdAt: now)
        let text = String(decoding: record.storedValue(), as: UTF8.self)
        #expect(throws: APIKeyError.unknownScope("keys:root")) {
            try KeyRecord(storedValue: Array(text.replacingOccurrences(of: "keys:admin", with: "keys:root").utf8))
        }
        #expect(throws: APIKeyError.self) {
            try KeyRecord(storedValue: Array(text.replacingOccurrences(of: record.id, with: "X").utf8))
        }
    }

    @Test func theTopicRevokesButNeverReplacesABootstrapKey() {
        let operatorKey = APIKey.generate()
        let bootstrapRecord = KeyRecord(key: operatorKey, name: "bootstrap", scopes: Set(Scope.allCases), createdAt: now)
        let bootstrap = KeyRing([bootstrapRecord])
        let intruder = APIKey(parsingUnchecked: "hk_\(operatorKey.id)_" + String(repeating: "0", count: 64))
        var swapped = KeyRecord(key: intruder, name: "swap", scopes: Set(Scope.allCases), createdAt: now)
        let created = KeyRecord(key: .generate(), name: "team", scopes: [.eventsPublish], createdAt: now)

        let merged = KeyRing.merged(bootstrap: bootstrap, followed: [swapped, created])
        #expect(merged.authenticate(operatorKey.presented) == .success(Principal(bootstrapRecord)))
        #expect(merged.authenticate(intruder.presented) == .failure(.unknown))
        #expect(merged.record(id: created.id) == created)

        // Verified by the bootstrap ring, which the merged ring starts from, before the revocation is read.
        #expect(bootstrap.authenticate(operatorKey.presented) == .success(Principal(bootstrapRecord)))
        swapped.revokedAt = now
        #expect(KeyRing.merged(bootstrap: bootstrap, followed: [swapped]).authenticate(operatorKey.presented) == .failure(.revoked))
    }
}

extension APIKey {
    init(parsingUnchecked text: String) {
        self = try! APIKey(parsing: text)
    }
}
