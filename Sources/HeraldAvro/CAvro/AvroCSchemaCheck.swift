internal import CAvro

/// A second opinion on schema structure from Avro C's parser. Herald's own parser is the
/// authority (Avro C ignores defaults and several rules), but a schema Avro C cannot parse in
/// its canonical form is rejected too, so what the registry accepts stays portable.
enum AvroCSchemaCheck {
    static func validate(_ canonicalForm: String) throws(AvroError) {
        var schema: avro_schema_t?
        let length = canonicalForm.utf8.count
        let status = canonicalForm.withCString { avro_schema_from_json_length($0, length, &schema) }
        if let schema { avro_schema_decref(schema) }
        guard status == 0 else {
            throw AvroError(.invalidSchema, "rejected by Avro C: \(String(cString: avro_strerror()))")
        }
    }
}
