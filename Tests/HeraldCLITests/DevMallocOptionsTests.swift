import ArgumentParser
import HeraldRuntime
import Testing

@testable import HeraldCLI

/// `herald dev` takes the services' malloc options (the "Memory" group of `CommonOptions`), so the
/// four services it runs in one process get the same bounds as when each runs alone.
struct DevMallocOptionsTests {
    @Test func devTakesTheServicesMallocOptions() throws {
        #expect(try DevCommand.parse([]).common.malloc.settings == MallocSettings(arenas: 2, trimInterval: .seconds(10)))
        let dev = try DevCommand.parse(["--malloc-arenas", "1", "--malloc-trim-interval-ms", "0"])
        #expect(dev.common.malloc.settings == MallocSettings(arenas: 1, trimInterval: nil))
    }
}
