import HeraldAvro
import HeraldProtos
@testable import HeraldRegistry
import Testing

/// Compatibility levels and modes cross the gRPC API as protobuf enums: each value maps one way
/// and back to itself, and a value the registry has no meaning for is refused.
@Suite struct ProtoConversionTests {
    @Test(arguments: CompatibilityLevel.allCases)
    func aCompatibilityLevelComesBackFromItsProtobufValue(_ level: CompatibilityLevel) throws {
        #expect(try CompatibilityLevel(Herald_V1_CompatibilityLevel(level)) == level)
    }

    @Test(arguments: RegistryMode.allCases)
    func aModeComesBackFromItsProtobufValue(_ mode: RegistryMode) throws {
        #expect(try RegistryMode(Herald_V1_RegistryMode(mode)) == mode)
    }

    @Test func unspecifiedAndUnknownValuesAreRefused() {
        for proto in [Herald_V1_CompatibilityLevel.unspecified, .UNRECOGNIZED(99)] {
            let error = #expect(throws: RegistryError.self) { try CompatibilityLevel(proto) }
            #expect(error?.code == .invalidCompatibilityLevel)
        }
        for proto in [Herald_V1_RegistryMode.unspecified, .UNRECOGNIZED(99)] {
            let error = #expect(throws: RegistryError.self) { try RegistryMode(proto) }
            #expect(error?.code == .invalidMode)
        }
    }
}
