import ArgumentParser
import HeraldRuntime
import Testing

/// `--malloc-arenas` and `--malloc-trim-interval-ms` become the settings a service applies at start.
struct MallocSettingsTests {
    static let required = ["--insecure-no-auth"]

    @Test func defaultsLimitArenasAndTrimEveryTenSeconds() throws {
        let settings = try CommonOptions.parse(Self.required).malloc.settings
        #expect(settings == MallocSettings(arenas: 2, trimInterval: .seconds(10)))
        #expect(settings.services.count == 1)
    }

    @Test func zeroKeepsGlibcsArenasAndNeverTrims() throws {
        let settings = try CommonOptions.parse(Self.required + ["--malloc-arenas", "0", "--malloc-trim-interval-ms", "0"]).malloc.settings
        #expect(settings == MallocSettings(arenas: 0, trimInterval: nil))
        #expect(settings.services.isEmpty)
    }

    @Test(arguments: [
        (["--malloc-arenas=-1"], "--malloc-arenas must be between 0 and 1024"),
        (["--malloc-arenas", "1025"], "--malloc-arenas must be between 0 and 1024"),
        (["--malloc-trim-interval-ms=-5"], "--malloc-trim-interval-ms must be at least 0"),
    ])
    func valuesOutsideTheirRangeAreRefused(arguments: [String], message: String) {
        #expect {
            _ = try CommonOptions.parse(Self.required + arguments)
        } throws: { error in
            CommonOptions.message(for: error).contains(message)
        }
    }
}
