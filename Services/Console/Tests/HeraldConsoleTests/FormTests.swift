import HeraldProtos
import Testing

@testable import HeraldConsole

@Suite("Form bodies and the route form")
struct FormTests {
    @Test func fieldsAreDecodedAndMayRepeat() {
        let form = FormBody("csrf=a%2Bb&delivery=d1&delivery=d2&delivery=&name=two+words&empty")
        #expect(form["csrf"] == "a+b")
        #expect(form["name"] == "two words")
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
        #expect(form.all("delivery") == ["d1", "d2"])
    }

    @Test func aRouteIsReadFromTheForm() {
        let route = RoutesPage.route(from: FormBody(
            "id=orders&types=com.example.order.*%2C+com.example.refund&sources=&endpoints=sink-a%2Csink-b&enabled=on&description=Orders"))
        #expect(route.id == "orders")
        #expect(route.filter.types == ["com.example.order.*", "com.example.refund"])
        #expect(route.filter.sources.isEmpty)
        #expect(route.endpointIds == ["sink-a", "sink-b"])
        #expect(route.enabled)
        #expect(route.description_p == "Orders")
        #expect(!RoutesPage.route(from: FormBody("id=x&endpoints=e")).enabled)
    }
}
