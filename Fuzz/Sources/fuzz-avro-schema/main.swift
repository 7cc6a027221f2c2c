import FuzzSupport
import HeraldAvro

/// Schema parsing, canonical form and compatibility: the input is one or two schema texts
/// separated by a zero byte. A parsed schema's canonical and normalized forms must parse again to
/// the same canonical form, a schema is compatible with itself, and checking two schemas against
/// each other (and building a resolver for them) must finish with a verdict.
runLibFuzzer { data, count in
    var input = FuzzInput(data, count)
    let first = String(decoding: input.part(), as: UTF8.self)
    let second = String(decoding: input.rest(), as: UTF8.self)
    guard let schema = try? AvroSchema(parsing: first) else { return 0 }
    let canonical = schema.canonicalForm
    do {
        guard try AvroSchema(parsing: canonical).canonicalForm == canonical else {
            fuzzFailure("canonical form is not stable for \(first)")
        }
        guard try AvroSchema(parsing: schema.normalizedForm).canonicalForm == canonical else {
            fuzzFailure("normalized form has another canonical form for \(first)")
        }
    } catch {
        fuzzFailure("the written form of \(first) does not parse: \(error)")
    }
    _ = schema.fingerprint(.rabin)
    guard SchemaCompatibility.incompatibilities(reader: schema, writer: schema).isEmpty else {
        fuzzFailure("\(first) is not compatible with itself")
    }
    guard let other = try? AvroSchema(parsing: second) else { return 0 }
    _ = SchemaCompatibility.check(other, against: [schema], level: .fullTransitive)
    _ = try? AvroResolver(writer: schema, reader: other)
    return 0
}
