import Foundation
@testable import HeraldDelivery
import HeraldProtos
import SwiftProtobuf
import Testing

/// Master keys, sealing, and which secrets sign when: pure logic, no I/O.
@Suite struct SecretsTests {
    static let keyA = Data(repeating: 1, count: 32).base64EncodedString()
    static let keyB = Data(repeating: 2, count: 32).base64EncodedString()

    @Test func keyFileHoldsSeveralKeysOldestFirst() throws {
        let keys = try MasterKeys(parsing: "# rotated in March\n\na \(Self.keyA)\n  b\t\(Self.keyB)  \n", origin: "keys")
        #expect(keys.keys.map(\.id) == ["a", "b"] && keys.newest.id == "b")
        let inline = try MasterKeys(parsing: "a \(Self.keyA);b \(Self.keyB)", origin: "HERALD_SECRET_KEY")
        #expect(inline.keys.map(\.id) == ["a", "b"])
        // The single-key form of earlier versions: an id derived from the key, the same every time.
        let bare = try MasterKeys(parsing: Self.keyA + "\n", origin: "old")
        #expect(bare.newest.id == MasterKeys.fingerprintID(Array(Data(base64Encoded: Self.keyA)!)) && bare.newest.id.hasPrefix("fp-"))
    }

    @Test(arguments: [
        ("", "holds no master key"),
        ("# only a comment", "holds no master key"),
        ("a not-base64", "base64 of 32 bytes"),
        ("a \(Data(repeating: 1, count: 16).base64EncodedString())", "base64 of 32 bytes"),
        ("a \(SecretsTests.keyA)\na \(SecretsTests.keyB)", "appears twice"),
        ("a/b \(SecretsTests.keyA)", "must be 1–64"),
        ("a \(SecretsTests.keyA) extra", "expected '<id> <base64 key>'"),
    ])
    func malformedKeyFilesAreRefusedWithTheReason(text: String, reason: String) {
        do {
            _ = try MasterKeys(parsing: text, origin: "keys.txt")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason) && error.description.hasPrefix("keys.txt"), "\(error)")
        }
    }

    @Test func theNewestKeySealsAndEveryKeyOpens() throws {
        let old = SecretBox(keys: try MasterKeys(parsing: "a \(Self.keyA)", origin: "keys"))
        let both = SecretBox(keys: try MasterKeys(parsing: "a \(Self.keyA)\nb \(Self.keyB)", origin: "keys"))
        let sealedByA = try old.seal("whsec_x")
        #expect(SecretBox.keyID(of: sealedByA) == "a" && !sealedByA.contains("whsec_x"))
        #expect(try both.open(sealedByA) == "whsec_x")
        let sealedByB = try both.seal("whsec_y")
        #expect(SecretBox.keyID(of: sealedByB) == "b")
        do {
            _ = try old.open(sealedByB)
            Issue.record("opened a secret sealed with a key it does not hold")
        } catch {
            #expect("\(error)".contains("master key 'b'"), "\(error)")
        }
    }

    @Test func secretsSealedWithoutAKeyIDStillOpen() throws {
        let both = SecretBox(keys: try MasterKeys(parsing: "a \(Self.keyA)\nb \(Self.keyB)", origin: "keys"))
        let withID = try SecretBox(keys: try MasterKeys(parsing: "a \(Self.keyA)", origin: "keys")).seal("whsec_old")
        // The earlier stored form: `aesgcm:` + base64, no id.
        let legacy = "aesgcm:" + withID.dropFirst("aesgcm:a:".count)
        #expect(SecretBox.keyID(of: legacy) == nil)
        #expect(try both.open(legacy) == "whsec_old")
        let other = SecretBox(keys: try MasterKeys(parsing: "c \(Data(repeating: 3, count: 32).base64EncodedString())", origin: "keys"))
        #expect(throws: SecretBox.Failure.self) { try other.open(legacy) }
    }

    @Test func aReplacedSecretSignsUntilTheOverlapEnds() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let rotated = SecretRotation(current: "old").rotated(to: "new", at: start, overlap: .seconds(3600))
        #expect(rotated.signing(at: start) == ["new", "old"])
        #expect(rotated.signing(at: start.addingTimeInterval(3599)) == ["new", "old"])
        #expect(rotated.signing(at: start.addingTimeInterval(3600)) == ["new"])
        #expect(!rotated.isPreviousExpired(at: start.addingTimeInterval(10)) && rotated.isPreviousExpired(at: start.addingTimeInterval(3600)))
        #expect(rotated.droppingExpired(at: start.addingTimeInterval(3600)) == SecretRotation(current: "new"))
        #expect(rotated.droppingExpired(at: start) == rotated)
        // Rotating again during the overlap: only the secret receivers used last keeps signing.
        let again = rotated.rotated(to: "newest", at: start.addingTimeInterval(60), overlap: .seconds(3600))
        #expect(again.signing(at: start.addingTimeInterval(61)) == ["newest", "new"])
        #expect(SecretRotation(current: "old").rotated(to: "new", at: start, overlap: .zero).signing(at: start) == ["new"])
    }

    @Test func theSweepRunsOftenEnoughButNotBusily() {
        #expect(SecretRotation.sweepInterval(overlap: .seconds(86400)) == .seconds(60))
        #expect(SecretRotation.sweepInterval(overlap: .seconds(100)) == .seconds(10))
        #expect(SecretRotation.sweepInterval(overlap: .zero) == .seconds(1))
    }

    @Test func anEndpointPutRotatesKeepsOrRedactsItsWriteOnlyValues() throws {
        let secrets = EndpointSecrets(box: SecretBox(keys: try MasterKeys(parsing: "a \(Self.keyA)", origin: "keys")), overlap: .seconds(3600))
        let start = Date(timeIntervalSince1970: 1_000_000)
        let first = WebhookSecret.generate(), second = WebhookSecret.generate()
        let firstKey = try WebhookSecret(first).key, secondKey = try WebhookSecret(second).key
        let created = try secrets.sealing(.with { $0.id = "e"; $0.secret = first; $0.secretHeaders = ["authorization": "Bearer t"] }, over: nil, at: start)
        #expect(created.previousSecret.isEmpty && !created.hasPreviousSecretExpiresAt)
        #expect(!created.secretHeaders["authorization"]!.contains("Bearer"))
        #expect(try secrets.open(created, at: start).signing.map(\.key) == [firstKey])
        #expect(try secrets.open(created, at: start).headers == ["authorization": "Bearer t"])

        // The same secret again, or none, is not a rotation; `<redacted>` keeps the stored header value.
        let same = try secrets.sealing(.with { $0.id = "e"; $0.secret = first; $0.secretHeaders = ["authorization": "<redacted>"] }, over: created, at: start)
        #expect(same.secret == created.secret && same.previousSecret.isEmpty && same.secretHeaders == created.secretHeaders)
        #expect(try secrets.sealing(.with { $0.id = "e" }, over: created, at: start).secret == created.secret)

        let rotated = try secrets.sealing(.with { $0.id = "e"; $0.secret = second }, over: created, at: start)
        #expect(rotated.previousSecret == created.secret && rotated.previousSecretExpiresAt.date == start.addingTimeInterval(3600))
        #expect(rotated.secretHeaders.isEmpty, "a put replaces the secret headers like the plain ones")
        #expect(try secrets.open(rotated, at: start.addingTimeInterval(1)).signing.map(\.key) == [secondKey, firstKey])
        #expect(try secrets.open(rotated, at: start.addingTimeInterval(3600)).signing.map(\.key) == [secondKey])
        #expect(secrets.droppingExpiredPrevious(rotated, at: start.addingTimeInterval(1)) == nil)
        let dropped = try #require(secrets.droppingExpiredPrevious(rotated, at: start.addingTimeInterval(3600)))
        #expect(dropped.previousSecret.isEmpty && !dropped.hasPreviousSecretExpiresAt && dropped.secret == rotated.secret)

        let answer = EndpointSecrets.redacted(try secrets.sealing(.with { $0.id = "e"; $0.secretHeaders = ["x-api-key": "k"] }, over: rotated, at: start))
        #expect(answer.secret.isEmpty && answer.previousSecret.isEmpty && answer.hasPreviousSecretExpiresAt)
        #expect(answer.secretHeaders == ["x-api-key": "<redacted>"])

        for bad in [
            Herald_V1_Endpoint.with { $0.id = "e"; $0.secretHeaders = ["x-new": "<redacted>"] },
            .with { $0.id = "e"; $0.secretHeaders = ["x-empty": ""] },
        ] {
            #expect(throws: DeliveryAPIError.self) { try secrets.sealing(bad, over: created, at: start) }
        }
        #expect(throws: DeliveryAPIError.self) {
            try EndpointStore.validateHeaderNames(.with { $0.headers = ["Authorization": "a"]; $0.secretHeaders = ["authorization": "b"] })
        }
        #expect(throws: DeliveryAPIError.self) { try EndpointStore.validateHeaderNames(.with { $0.secretHeaders = ["webhook-signature": "b"] }) }
    }
}
