import CAvro
import Testing

/// Avro C links, parses a schema, and round-trips a record through the binary encoding.
@Suite struct AvroRoundTripTests {
    let schemaJSON = """
        {"type": "record", "name": "OrderShipped", "namespace": "com.example",
         "fields": [{"name": "order_id", "type": "string"},
                    {"name": "items", "type": "int"},
                    {"name": "note", "type": ["null", "bytes"]}]}
        """

    @Test func recordSurvivesBinaryRoundTrip() throws {
        var schema: avro_schema_t?
        let parsed = schemaJSON.withCString { avro_schema_from_json_length($0, strlen($0), &schema) }
        #expect(parsed == 0, "parse: \(String(cString: avro_strerror()))")
        let recordSchema = try #require(schema)
        defer { avro_schema_decref(recordSchema) }
        #expect(String(cString: avro_schema_name(recordSchema)) == "OrderShipped")

        let iface = try #require(avro_generic_class_from_schema(recordSchema))
        defer { herald_avro_value_iface_decref(iface) }

        var original = avro_value_t()
        #expect(avro_generic_value_new(iface, &original) == 0)
        defer { avro_value_decref(&original) }
        var field = avro_value_t()
        #expect(herald_avro_value_get_by_name(&original, "order_id", &field, nil) == 0)
        #expect(herald_avro_value_set_string_len(&field, "o-1001", 7) == 0)
        #expect(herald_avro_value_get_by_name(&original, "items", &field, nil) == 0)
        #expect(herald_avro_value_set_int(&field, 3) == 0)
        var note = avro_value_t()
        var branch = avro_value_t()
        #expect(herald_avro_value_get_by_name(&original, "note", &note, nil) == 0)
        #expect(herald_avro_value_set_branch(&note, 1, &branch) == 0)
        var bytes: [UInt8] = [0x01, 0x00, 0x02]  // a NUL in the middle must survive
        #expect(bytes.withUnsafeMutableBytes { herald_avro_value_set_bytes(&branch, $0.baseAddress, $0.count) } == 0)

        var size = 0
        #expect(avro_value_sizeof(&original, &size) == 0)
        var buffer = [CChar](repeating: 0, count: size)
        let writer = try #require(avro_writer_memory(&buffer, Int64(size)))
        #expect(avro_value_write(writer, &original) == 0)
        avro_writer_free(writer)

        var decoded = avro_value_t()
        #expect(avro_generic_value_new(iface, &decoded) == 0)
        defer { avro_value_decref(&decoded) }
        let reader = try #require(avro_reader_memory(&buffer, Int64(size)))
        #expect(avro_value_read(reader, &decoded) == 0)
        avro_reader_free(reader)

        #expect(avro_value_equal(&original, &decoded) != 0)
        var decodedField = avro_value_t()
        var text: UnsafePointer<CChar>?
        var length = 0
        #expect(herald_avro_value_get_by_name(&decoded, "order_id", &decodedField, nil) == 0)
        #expect(herald_avro_value_get_string(&decodedField, &text, &length) == 0)
        #expect(String(cString: try #require(text)) == "o-1001")
        var decodedNote = avro_value_t()
        var decodedBranch = avro_value_t()
        var raw: UnsafeRawPointer?
        #expect(herald_avro_value_get_by_name(&decoded, "note", &decodedNote, nil) == 0)
        #expect(herald_avro_value_get_current_branch(&decodedNote, &decodedBranch) == 0)
        #expect(herald_avro_value_get_bytes(&decodedBranch, &raw, &length) == 0)
        #expect(Array(UnsafeRawBufferPointer(start: raw, count: length)) == bytes)
    }
}
