import Foundation
import HeraldCore
import Testing

@testable import HeraldCLI

/// `herald dev`'s admin key: made once, kept private, the same on every later start.
struct DevAdminKeyTests {
    @Test func madeOnFirstStartKeptOwnerOnlyAndReused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dev-key-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(".herald/dev-admin-key").path
        let (first, created) = try DevAdminKey.loadOrCreate(at: path)
        #expect(created)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let (again, createdAgain) = try DevAdminKey.loadOrCreate(at: path)
        #expect(!createdAgain && again == first)

        try "hk_broken\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try DevAdminKey.loadOrCreate(at: path)
        } throws: { error in
            "\(error)".hasPrefix("\(path): malformed API key") && "\(error)".contains("delete it")
        }
    }
}
