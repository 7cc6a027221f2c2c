import HeraldAvro
@testable import HeraldRegistry
import Testing

/// The leader's decisions, made against a `RegistryState` built in memory: no broker, no leader.
@Suite struct RegistryPlanningTests {
    static let order = #"{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}"#
    static let orderWithDefault = #"{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"items","type":"int","default":0}]}"#
    static let orderWithRequiredField = #"{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"items","type":"int"}]}"#

    /// Plans `request` and applies its records, as the leader's log would.
    static func register(_ request: Registration, in state: inout RegistryState) throws(RegistryError) -> RegistryPlanner.Plan {
        let plan = try RegistryPlanner.register(request, in: state)
        plan.records.forEach { state.apply($0) }
        return plan
    }

    /// The code of the `RegistryError` `body` throws; nil when it throws none (or another error).
    static func code(_ body: () throws -> Void) -> RegistryError.Code? {
        do {
            try body()
            return nil
        } catch let error as RegistryError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func aNewSchemaTakesTheNextIDAndVersionAndRaisesTheWatermark() throws {
        var state = RegistryState()
        let first = try Self.register(Registration(subject: "orders-value", schema: Self.order), in: &state)
        #expect(first.outcome == .registered(id: 1, version: 1))
        #expect(first.records.count == 2)
        #expect(first.records.last == .idWatermark(1))
        #expect(state.idWatermark == 1)
    }

    @Test func registeringTheSameSchemaAgainWritesNothing() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "orders-value", schema: Self.order), in: &state)
        let again = try RegistryPlanner.register(Registration(subject: "orders-value", schema: Self.order), in: state)
        #expect(again.records.isEmpty)
        #expect(again.outcome == .registered(id: 1, version: 1))
    }

    @Test func theSameSchemaUnderAnotherSubjectKeepsItsIDAndWritesNoWatermark() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "a", schema: Self.order), in: &state)
        let other = try Self.register(Registration(subject: "b", schema: Self.order), in: &state)
        #expect(other.outcome == .registered(id: 1, version: 1))
        #expect(other.records.count == 1)
    }

    @Test func anIncompatibleSchemaIsRefusedAndACompatibleOneTakesTheNextVersion() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "s", schema: Self.order), in: &state)
        #expect(Self.code { _ = try RegistryPlanner.register(Registration(subject: "s", schema: Self.orderWithRequiredField), in: state) } == .incompatibleSchema)
        let next = try Self.register(Registration(subject: "s", schema: Self.orderWithDefault), in: &state)
        #expect(next.outcome == .registered(id: 2, version: 2))
        #expect(try RegistryPlanner.check(try AvroSchema(parsing: Self.orderWithRequiredField), subject: "s", against: 1, in: state).count > 0)
        #expect(Self.code { _ = try RegistryPlanner.check(try! AvroSchema(parsing: Self.order), subject: "s", against: 7, in: state) } == .versionNotFound)
    }

    @Test func modesGateWritesAndGivenIDsNeedImportMode() throws {
        var state = RegistryState()
        #expect(Self.code { _ = try RegistryPlanner.register(Registration(subject: "s", schema: Self.order, id: 9), in: state) } == .operationNotPermitted)
        let importing = try RegistryPlanner.setMode(.importing, subject: nil, force: false, in: state)
        importing.records.forEach { state.apply($0) }
        #expect(importing.outcome == .mode(.importing))
        let imported = try Self.register(Registration(subject: "s", schema: Self.order, id: 9, version: 4), in: &state)
        #expect(imported.outcome == .registered(id: 9, version: 4))
        #expect(Self.code { _ = try RegistryPlanner.register(Registration(subject: "s", schema: Self.orderWithDefault, id: 10, version: 4), in: state) } == .operationNotPermitted)
        try RegistryPlanner.setMode(.readOnly, subject: "s", force: false, in: state).records.forEach { state.apply($0) }
        #expect(Self.code { _ = try RegistryPlanner.register(Registration(subject: "s", schema: Self.orderWithDefault), in: state) } == .operationNotPermitted)
        #expect(Self.code { _ = try RegistryPlanner.deleteSubject("s", permanent: false, in: state) } == .operationNotPermitted)
    }

    @Test func importModeOverExistingSchemasNeedsForce() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "s", schema: Self.order), in: &state)
        #expect(Self.code { _ = try RegistryPlanner.setMode(.importing, subject: nil, force: false, in: state) } == .operationNotPermitted)
        #expect(try RegistryPlanner.setMode(.importing, subject: nil, force: true, in: state).outcome == .mode(.importing))
    }

    @Test func aSubjectIsSoftDeletedBeforeItCanBeDeletedForGood() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "s", schema: Self.order), in: &state)
        _ = try Self.register(Registration(subject: "s", schema: Self.orderWithDefault), in: &state)
        #expect(Self.code { _ = try RegistryPlanner.deleteSubject("s", permanent: true, in: state) } == .subjectNotSoftDeleted)
        let soft = try RegistryPlanner.deleteSubject("s", permanent: false, in: state)
        #expect(soft.outcome == .deleted(versions: [1, 2]))
        soft.records.forEach { state.apply($0) }
        #expect(Self.code { _ = try RegistryPlanner.deleteSubject("s", permanent: false, in: state) } == .subjectSoftDeleted)
        let hard = try RegistryPlanner.deleteSubject("s", permanent: true, in: state)
        #expect(hard.records == [.schema(subject: "s", version: 1, nil), .schema(subject: "s", version: 2, nil), .config(subject: "s", nil), .mode(subject: "s", nil)])
    }

    @Test func aVersionIsSoftDeletedBeforeItCanBeDeletedForGood() throws {
        var state = RegistryState()
        _ = try Self.register(Registration(subject: "s", schema: Self.order), in: &state)
        #expect(Self.code { _ = try RegistryPlanner.deleteVersion("s", 1, permanent: true, in: state) } == .versionNotSoftDeleted)
        let soft = try RegistryPlanner.deleteVersion("s", nil, permanent: false, in: state)
        #expect(soft.outcome == .deleted(versions: [1]))
        soft.records.forEach { state.apply($0) }
        #expect(Self.code { _ = try RegistryPlanner.deleteVersion("s", 1, permanent: false, in: state) } == .versionSoftDeleted)
        #expect(try RegistryPlanner.deleteVersion("s", 1, permanent: true, in: state).records == [.schema(subject: "s", version: 1, nil)])
    }

    @Test func compatibilityChangesAreOneConfigRecordAndRemovingOneFallsBackToTheGlobalLevel() throws {
        let state = RegistryState()
        #expect(try RegistryPlanner.setCompatibility(.full, subject: "s", in: state) == .init(records: [.config(subject: "s", .full)], outcome: .compatibility(.full)))
        #expect(try RegistryPlanner.setCompatibility(nil, subject: "s", in: state).outcome == .compatibility(.backward))
    }

    @Test(arguments: ["", "line\nbreak", "tab\there"])
    func subjectsMustBeNonEmptyWithoutControlCharacters(_ subject: String) {
        #expect(Self.code { try RegistryPlanner.validateSubject(subject) } == .badRequest)
        #expect(Self.code { _ = try RegistryPlanner.register(Registration(subject: subject, schema: Self.order), in: RegistryState()) } == .badRequest)
    }
}
