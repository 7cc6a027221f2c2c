import Foundation
import HeraldCore
import Testing

@Suite struct BootstrapKeysTests {
    let first = APIKey.generate()
    let second = APIKey.generate()

    @Test func everyKeyBecomesAnAdminRecordHoldingOnlyItsHash() throws {
        let text = "# admins\n\n  \(first.presented)  \n# rotated in\n\(second.presented)\n"
        let records = try BootstrapKeys.records(parsing: text, file: "keys.txt", createdAt: .now)
        #expect(records.map(\.id) == [first.id, second.id])
        #expect(records.allSatisfy { $0.scopes == Set(Scope.allCases) && $0.name == BootstrapKeys.recordName })
        #expect(records.map(\.hash) == [first.hash, second.hash])
        let ring = KeyRing(records)
        #expect((try? ring.authenticate(second.presented).get())?.has(.keysAdmin) == true)
    }

    @Test func aMalformedLineIsNamedWithTheFile() {
        let text = "\(first.presented)\n\nhk_not_a_key\n"
        #expect(throws: BootstrapKeyError.self) { try BootstrapKeys.records(parsing: text, file: "/etc/herald/keys", createdAt: .now) }
        do {
            _ = try BootstrapKeys.records(parsing: text, file: "/etc/herald/keys", createdAt: .now)
        } catch {
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("bootstrap key file /etc/herald/keys line 3: malformed API key"))
        }
    }

    @Test func aFileWithoutKeysOrWithADuplicateIsRefused() {
        #expect(throws: BootstrapKeyError(file: "k", line: nil, reason: "no key in it (one hk_<id>_<secret> per line, as `herald key generate` prints)")) {
            try BootstrapKeys.records(parsing: "# nothing yet\n\n", file: "k", createdAt: .now)
        }
        #expect(throws: BootstrapKeyError(file: "k", line: 2, reason: "key id \(first.id) is already on line 1")) {
            try BootstrapKeys.records(parsing: "\(first.presented)\n\(first.presented)", file: "k", createdAt: .now)
        }
    }
}
