"""The operators' console in a real browser: headless Chromium driven by Selenium against `herald dev`."""
import json
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import shot, until

SCHEMA = '{"type":"record","name":"Happened","namespace":"com.example","fields":[{"name":"n","type":"int"}]}'
# The second version adds a field with a default: backward compatible, so the registry accepts it.
SCHEMA_V2 = ('{"type":"record","name":"Happened","namespace":"com.example","fields":[{"name":"n","type":"int"},'
             '{"name":"note","type":"string","default":""}]}')


def sign_in(browser, herald, key):
    browser.get(herald.console_url + "/signin")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, "form.signout"), "the signed-in page")


def sign_out(browser):
    browser.find_element(By.CSS_SELECTOR, "form.signout button").click()
    until(lambda: browser.find_elements(By.ID, "key"), "the sign-in page")


def fill(browser, field_id, text):
    element = browser.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(text)


def publish(herald, names, event_id):
    herald.cli("publish", "--id", event_id, "--type", names["type"], "--source", names["source"],
               "--schema-subject", names["type"] + "-value", "--data", '{"n": 1}')


def tail_row(browser, event_id, state):
    for row in browser.find_elements(By.CSS_SELECTOR, "#tail-rows tr"):
        if f"#{event_id}" in row.text and state in row.text:
            return row
    return None


def test_an_operator_follows_an_event_from_route_to_redrive(herald, receiver, browser, names):
    herald.cli("schema", "register", "--subject", names["type"] + "-value", "--schema", SCHEMA)
    sign_in(browser, herald, herald.admin_key)
    assert "Overview" in browser.title
    shot(browser, "overview")

    # The schemas page: the subject, its compatibility level, and its two versions side by side.
    subject = names["type"] + "-value"
    herald.cli("schema", "register", "--subject", subject, "--schema", SCHEMA_V2)
    browser.get(herald.console_url + "/schemas")
    shot(browser, "schemas")
    browser.find_element(By.LINK_TEXT, subject).click()
    until(lambda: browser.find_elements(By.ID, "schema-diff"), "the subject's page")
    assert browser.find_element(By.ID, "compatibility").text == "BACKWARD"
    added = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#schema-diff tr.diff-added")]
    assert any('"note"' in line for line in added), f"the added field is not shown as added: {added}"
    assert not browser.find_elements(By.CSS_SELECTOR, "#schema-diff tr.diff-removed")
    shot(browser, "schema-diff")
    # The same version on both sides: no change to show.
    Select(browser.find_element(By.ID, "diff-left")).select_by_visible_text("2")
    browser.find_element(By.CSS_SELECTOR, "#diff-form button").click()
    until(lambda: "are the same schema" in browser.find_element(By.TAG_NAME, "main").text, "the unchanged comparison")

    # An endpoint that dead-letters at its first failure, then a route to it.
    browser.get(herald.console_url + "/endpoints")
    fill(browser, "endpoint-id", names["endpoint"])
    fill(browser, "endpoint-url", receiver.url)
    fill(browser, "endpoint-attempts", "1")
    browser.find_element(By.CSS_SELECTOR, "#endpoint-form button").click()
    until(lambda: names["endpoint"] in browser.find_element(By.CSS_SELECTOR, "table").text, "the new endpoint in the list")
    assert "saved" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    shot(browser, "endpoints")

    # A test event: the receiver gets it, marked as a test, and the page shows its answer.
    browser.find_element(By.LINK_TEXT, names["endpoint"]).click()
    until(lambda: browser.find_elements(By.ID, "endpoint-test"), "the endpoint's page")[0].click()
    answer = until(lambda: browser.find_elements(By.ID, "test-answer"), "the test event's answer")[0].text
    assert "accepted" in answer and "HTTP 200" in answer, answer
    assert [event["type"] for event in receiver.tests] == ["herald.test"] and receiver.tests[0]["heraldtest"] == "true"
    assert receiver.tests[0]["id"] in answer
    browser.execute_script("document.getElementById('test-answer').scrollIntoView()")
    shot(browser, "endpoint-test-event")

    browser.get(herald.console_url + "/routes")
    browser.find_element(By.LINK_TEXT, "New route").click()
    fill(browser, "route-id", names["route"])
    fill(browser, "route-types", "com.*.misplaced-wildcard")
    fill(browser, "route-endpoints", names["endpoint"])
    browser.find_element(By.CSS_SELECTOR, "#route-form button").click()
    # The router's own validation message, beside the values as typed.
    error = until(lambda: browser.find_elements(By.CSS_SELECTOR, ".error"), "the router's refusal")[0].text
    assert "route.filter.types[0]" in error, error
    assert browser.find_element(By.ID, "route-endpoints").get_attribute("value") == names["endpoint"]
    fill(browser, "route-types", names["type"])
    browser.find_element(By.CSS_SELECTOR, "#route-form button").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, f"tr[data-route='{names['route']}']"), "the new route in the list")
    shot(browser, "routes")

    # The live tail shows the delivery without a reload.
    browser.get(herald.console_url + "/tail")
    until(lambda: "Connected" in browser.find_element(By.ID, "tail-status").text, "the tail to connect")
    publish(herald, names, "first")
    until(lambda: tail_row(browser, "first", "SUCCEEDED"), "the delivery in the live tail")
    shot(browser, "tail")

    # The overview's figures, from the producer's and the delivery service's metrics.
    browser.get(herald.console_url + "/")
    ingest = browser.find_element(By.ID, "ingest-rate").text
    latency = browser.find_element(By.ID, "e2e-latency").text
    assert "events" in ingest and "no events" not in ingest, ingest
    assert "p50" in latency and "p99" in latency and re.search(r"\(\d+ deliver(y|ies)\)", latency), latency
    shot(browser, "overview-figures")

    # A failing endpoint: the next event dead-letters and shows in the dead letters.
    receiver.failing = True
    publish(herald, names, "second")
    dead_letters = herald.console_url + "/dead-letters?endpoint=" + names["endpoint"]

    def dead_row():
        browser.get(dead_letters)
        return [row for row in browser.find_elements(By.CSS_SELECTOR, "tr.dead-row") if "#second" in row.text]

    row = until(dead_row, "the dead letter")[0]
    assert "500" in row.text
    shot(browser, "dead-letters")

    # Redrive it once the endpoint is back: it is delivered.
    receiver.failing = False
    row.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    browser.find_element(By.ID, "redrive-selected").click()
    assert "Redrove 1 dead letter" in until(lambda: browser.find_elements(By.CSS_SELECTOR, ".notice"), "the redrive notice")[0].text

    def delivered():
        browser.get(herald.console_url + f"/deliveries?source={names['source']}&id=second")
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.delivery-row")
        return rows if rows and "SUCCEEDED" in rows[0].text else None

    until(delivered, "the redriven delivery to succeed")
    shot(browser, "deliveries")
    browser.find_element(By.CSS_SELECTOR, "tr.delivery-row a").click()
    attempts = until(lambda: browser.find_element(By.ID, "attempts").text, "the delivery's attempts")
    assert "receiver is down for the test" in attempts and "SUCCEEDED" in attempts
    shot(browser, "delivery")
    assert [event["id"] for event in receiver.received].count("second") == 2

    browser.get(herald.console_url + "/endpoints/" + names["endpoint"])
    Select(browser.find_element(By.ID, "health-window")).select_by_visible_text("5 minutes")
    browser.find_element(By.CSS_SELECTOR, "form[method=get] button").click()
    # The form reloads the page with the window chosen: read the health of the new page only.
    until(lambda: "window=300" in browser.current_url and "Circuit" in browser.find_element(By.ID, "endpoint-health").text,
          "the endpoint's health over 5 minutes")
    # Its requests over time, drawn by the server: the window holds the deliveries above.
    assert browser.find_elements(By.CSS_SELECTOR, "#latency-chart polyline.p99")
    browser.execute_script("document.getElementById('latency-chart').previousElementSibling.scrollIntoView()")
    shot(browser, "endpoint")

    # At a phone's width the pages still fit: nothing scrolls sideways.
    browser.set_window_size(390, 844)
    browser.get(herald.console_url + "/deliveries?endpoint=" + names["endpoint"])
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    shot(browser, "deliveries-phone")
    browser.set_window_size(1280, 900)
    sign_out(browser)


def test_a_read_only_key_cannot_change_a_route(herald, browser, names):
    herald.cli("route", "put", "--id", names["route"], "--type", names["type"], "--endpoint", "unchanged-endpoint")
    herald.cli("endpoint", "put", names["endpoint"], "--url", "http://127.0.0.1:9/never-sent")
    created = herald.cli("key", "create", "--name", "console-read-only",
                         "--scope", "routes:read", "--scope", "endpoints:read", "--scope", "deliveries:read")
    read_only = created.splitlines()[0].strip()
    sign_in(browser, herald, read_only)
    browser.get(herald.console_url + "/routes")
    until(lambda: browser.find_elements(By.CSS_SELECTOR, f"tr[data-route='{names['route']}']"), "the route in the list")
    page = browser.page_source
    assert "/routes/new" not in page and "/edit" not in page, "a read-only key was shown write controls"
    shot(browser, "routes-read-only")
    browser.get(herald.console_url + "/endpoints")
    assert not browser.find_elements(By.ID, "endpoint-form"), "a read-only key was shown the new endpoint form"
    # Its endpoint page shows the health, but neither the change forms nor the test event's button.
    browser.get(herald.console_url + "/endpoints/" + names["endpoint"])
    until(lambda: "Circuit" in browser.find_element(By.ID, "endpoint-health").text, "the endpoint's health")
    assert not browser.find_elements(By.ID, "endpoint-test"), "a read-only key was shown the test event's button"
    page = browser.page_source
    assert "/enabled\"" not in page and "/secret\"" not in page, "a read-only key was shown endpoint changes"
    shot(browser, "endpoint-read-only")

    # Forged posts with the session's own CSRF token are still refused: the key lacks routes:write
    # and endpoints:write.
    csrf = browser.find_element(By.CSS_SELECTOR, "form.signout input[name=csrf]").get_attribute("value")

    def forged(path, **fields):
        return browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const body = new URLSearchParams(arguments[1]);
            fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin'}).then(r => done(r.status), e => done(String(e)));
        """, path, {"csrf": csrf, **fields})

    assert forged("/routes", id=names["route"], types="*", endpoints="hijacked", enabled="on") == 403
    assert forged(f"/endpoints/{names['endpoint']}/test") == 403
    route = json.loads(herald.cli("route", "get", "--id", names["route"], "--json"))
    assert route["endpoint_ids"] == ["unchanged-endpoint"]
    sign_out(browser)
