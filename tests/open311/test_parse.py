"""The GeoReport v2 readers, on the spec's own example documents and on hostile input.

The examples are typed in from the GeoReport v2 wiki (wiki.open311.org/GeoReport_v2 and
/Service_Discovery), whitespace and all: real servers copied them, quirks included.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from open311.errors import ErrorItem, Open311ProtocolError
from open311.parse import (
    Discovery,
    format_datetime,
    parse_datetime,
    parse_definition,
    parse_discovery,
    parse_errors,
    parse_receipt,
    parse_requests,
    parse_services,
    parse_token,
)
from open311.types import AttributeValue, Service, ServiceAttribute

PACIFIC = timezone(timedelta(hours=-8))

# ------------------------------------------------------------------ the spec's examples

SERVICES_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
    <service>
        <service_code>002</service_code>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>street</group>
        <service_name>Construction plate shifted</service_name>
        <description>Metal construction plate covering the street or sidewalk has been moved.</description>
    </service>
    <service>
        <service_code>003</service_code>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>street</group>
        <service_name>Curb or curb ramp defect</service_name>
        <description>Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb.</description>
    </service>
</services>
"""  # noqa: E501

# The spec's JSON example writes codes as 001, 002, 003: numbers with leading zeros, which
# JSON forbids. Verbatim it must be refused; with the codes quoted it must equal the XML.
SERVICES_JSON_VERBATIM = b"""[
  {
    "service_code":001,
    "service_name":"Cans left out 24x7",
    "metadata":true,
    "type":"realtime"
  }
]"""

SERVICES_JSON = b"""[
  {
    "service_code":"001",
    "service_name":"Cans left out 24x7",
    "description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.",
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"sanitation"
  },
  {
    "service_code":"002",
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"street",
    "service_name":"Construction plate shifted",
    "description":"Metal construction plate covering the street or sidewalk has been moved."
  },
  {
    "service_code":"003",
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"street",
    "service_name":"Curb or curb ramp defect",
    "description":"Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb."
  }
]"""  # noqa: E501

DEFINITION_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes>
        <attribute>
            <variable>true</variable>
            <code>WHISHETN</code>
            <datatype>singlevaluelist</datatype>
            <required>true</required>
            <datatype_description></datatype_description>
            <order>1</order>
            <description>What is the ticket/tag/DL number?</description>
            <values>
                <value>
                    <key>123</key>
                    <name>Ford</name>
                </value>
                <value>
                    <key>124</key>
                    <name>Chrysler</name>
                </value>
            </values>
        </attribute>
    </attributes>
</service_definition>
"""

DEFINITION_JSON = b"""{
  "service_code":"DMV66",
  "attributes":[
    {
      "variable":true,
      "code":"WHISHETN",
      "datatype":"singlevaluelist",
      "required":true,
      "datatype_description":null,
      "order":1,
      "description":"What is the ticket/tag/DL number?",
      "values":[
        {
          "key":123,
          "name":"Ford"
        },
        {
          "key":124,
          "name":"Chrysler"
        }
      ]
    }
  ]
}"""

POST_ANSWER_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>293944</service_request_id>
        <service_notice>
            The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code
        </service_notice>
        <account_id/>
    </request>
</service_requests>
"""  # noqa: E501

POST_ANSWER_JSON = b"""[
  {
    "service_request_id":293944,
    "service_notice":"The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code",
    "account_id":null
  }
]"""  # noqa: E501

TOKEN_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <token>12345</token>
    </request>
</service_requests>
"""

TOKEN_JSON = b"""[
  {
    "service_request_id":638344,
    "token":12345
  }
]"""

REQUESTS_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <status>closed</status>
        <status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
    </request>
    <request>
        <service_request_id>638349</service_request_id>
        <status>open</status>
        <status_notes></status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-19T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-19T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-19T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638349.jpg </media_url>
    </request>
</service_requests>
"""

# As in the spec, but "service_code":006 quoted (a leading zero is not JSON).
REQUESTS_JSON = b"""[
  {
    "service_request_id":638344,
    "status":"closed",
    "status_notes":"Duplicate request.",
    "service_name":"Sidewalk and Curb Issues",
    "service_code":"006",
    "description":null,
    "agency_responsible":null,
    "service_notice":null,
    "requested_datetime":"2010-04-14T06:37:38-08:00",
    "updated_datetime":"2010-04-14T06:37:38-08:00",
    "expected_datetime":"2010-04-15T06:37:38-08:00",
    "address":"8TH AVE and JUDAH ST",
    "address_id":545483,
    "zipcode":94122,
    "lat":37.762221815,
    "long":-122.4651145,
    "media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg "
  },
  {
    "service_request_id":638349,
    "status":"open",
    "status_notes":null,
    "service_name":"Sidewalk and Curb Issues",
    "service_code":"006",
    "description":null,
    "agency_responsible":null,
    "service_notice":null,
    "requested_datetime":"2010-04-19T06:37:38-08:00",
    "updated_datetime":"2010-04-19T06:37:38-08:00",
    "expected_datetime":"2010-04-19T06:37:38-08:00",
    "address":"8TH AVE and JUDAH ST",
    "address_id":545483,
    "zipcode":94122,
    "lat":37.762221815,
    "long":-122.4651145,
    "media_url":"http://city.gov.s3.amazonaws.com/requests/media/638349.jpg"
  }
]"""

ERRORS_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received -- can't proceed with create_request.</description>
    </error>
</errors>
"""

ERRORS_JSON = b"""[
  {
    "code":403,
    "description":"Invalid api_key received -- can't proceed with create_request."
  }
]"""

DISCOVERY_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<discovery>
    <changeset>2011-02-03 14:18</changeset>
    <contact>You can email or call for assistance api@mycity.org +1 (555) 555-5555</contact>
    <key_service>You can request a key here: http://api.mycity.gov/api_key/request</key_service>
    <endpoints>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/v2</url>
            <changeset>2010-11-23 09:01</changeset>
            <type>production</type>
            <formats>
                <format>text/xml</format>
            </formats>
        </endpoint>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/test/v2</url>
            <changeset>2010-10-02 09:01</changeset>
            <type>test</type>
            <formats>
                <format>text/xml</format>
                <format>application/json</format>
            </formats>
        </endpoint>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v3</specification>
            <url>http://open311.mycity.gov/v3</url>
            <changeset>2011-02-03 14:18</changeset>
            <type>test</type>
            <formats>
                <format>text/xml</format>
                <format>application/json</format>
            </formats>
        </endpoint>
    </endpoints>
</discovery>
"""

DISCOVERY_JSON = b"""{
  "changeset":"2011-02-03 14:18",
  "contact":"You can email or call for assistance api@mycity.org +1 (555) 555-5555",
  "key_service":"You can request a key here: http://api.mycity.gov/api_key/request",
  "endpoints":[
    {
      "specification":"http://wiki.open311.org/GeoReport_v2",
      "url":"http://open311.mycity.gov/v2",
      "changeset":"2010-11-23 09:01",
      "type":"production",
      "formats":[
        "text/xml"
      ]
    },
    {
      "specification":"http://wiki.open311.org/GeoReport_v2",
      "url":"http://open311.mycity.gov/test/v2",
      "changeset":"2010-10-02 09:01",
      "type":"test",
      "formats":[
        "text/xml",
        "application/json"
      ]
    },
    {
      "specification":"http://wiki.open311.org/GeoReport_v3",
      "url":"http://open311.mycity.gov/v3",
      "changeset":"2011-02-03 14:18",
      "type":"test",
      "formats":[
        "text/xml",
        "application/json"
      ]
    }
  ]
}"""


# ------------------------------------------------------------------ documents read right


@pytest.mark.parametrize(("body", "fmt"), [(SERVICES_XML, "xml"), (SERVICES_JSON, "json")])
def test_services_example(body: bytes, fmt: str) -> None:
    services = parse_services(body, fmt)
    assert [s.service_code for s in services] == ["001", "002", "003"]
    assert services[1] == Service(
        service_code="002",
        service_name="Construction plate shifted",
        description="Metal construction plate covering the street or sidewalk has been moved.",
        metadata=True,
        type="realtime",
        keywords=("lorem", "ipsum", "dolor"),
        group="street",
    )


def test_services_json_example_verbatim_is_refused_not_misread() -> None:
    with pytest.raises(Open311ProtocolError, match="not valid JSON"):
        parse_services(SERVICES_JSON_VERBATIM, "json")


@pytest.mark.parametrize(("body", "fmt"), [(DEFINITION_XML, "xml"), (DEFINITION_JSON, "json")])
def test_definition_example(body: bytes, fmt: str) -> None:
    definition = parse_definition(body, fmt)
    assert definition.service_code == "DMV66"
    assert definition.attributes == (
        ServiceAttribute(
            code="WHISHETN",
            datatype="singlevaluelist",
            required=True,
            description="What is the ticket/tag/DL number?",
            order=1,
            variable=True,
            datatype_description=None,  # empty element in XML, null in JSON
            values=(AttributeValue("123", "Ford"), AttributeValue("124", "Chrysler")),
        ),
    )


@pytest.mark.parametrize(("body", "fmt"), [(POST_ANSWER_XML, "xml"), (POST_ANSWER_JSON, "json")])
def test_post_answer_example(body: bytes, fmt: str) -> None:
    receipt = parse_receipt(body, fmt)
    assert receipt.service_request_id == "293944"
    assert receipt.token is None
    assert receipt.account_id is None  # <account_id/> and null alike
    assert receipt.service_notice is not None
    assert receipt.service_notice.startswith("The City will inspect")
    assert receipt.service_notice.endswith("Public Works Code")  # XML's indentation stripped


@pytest.mark.parametrize(("body", "fmt"), [(TOKEN_XML, "xml"), (TOKEN_JSON, "json")])
def test_token_example(body: bytes, fmt: str) -> None:
    status = parse_token(body, fmt)
    assert (status.token, status.service_request_id) == ("12345", "638344")


@pytest.mark.parametrize(("body", "fmt"), [(REQUESTS_XML, "xml"), (REQUESTS_JSON, "json")])
def test_requests_example(body: bytes, fmt: str) -> None:
    first, second = parse_requests(body, fmt)
    assert first.service_request_id == "638344"
    assert first.status == "closed"
    assert first.status_notes == "Duplicate request."
    assert first.service_code == "006"
    assert first.description is None and first.agency_responsible is None
    assert first.requested_datetime == datetime(2010, 4, 14, 6, 37, 38, tzinfo=PACIFIC)
    assert first.expected_datetime == datetime(2010, 4, 15, 14, 37, 38, tzinfo=UTC)
    assert (first.address_id, first.zipcode) == ("545483", "94122")
    assert (first.lat, first.long) == (37.762221815, -122.4651145)
    assert first.media_url == "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg"
    assert second.status == "open" and second.status_notes is None


def test_xml_and_json_examples_read_the_same() -> None:
    assert parse_requests(REQUESTS_XML, "xml") == parse_requests(REQUESTS_JSON, "json")
    assert parse_services(SERVICES_XML, "xml") == parse_services(SERVICES_JSON, "json")
    assert parse_discovery(DISCOVERY_XML, "xml") == parse_discovery(DISCOVERY_JSON, "json")


@pytest.mark.parametrize(("body", "fmt"), [(ERRORS_XML, "xml"), (ERRORS_JSON, "json")])
def test_errors_example(body: bytes, fmt: str) -> None:
    assert parse_errors(body, fmt) == (
        ErrorItem("403", "Invalid api_key received -- can't proceed with create_request."),
    )


@pytest.mark.parametrize(("body", "fmt"), [(DISCOVERY_XML, "xml"), (DISCOVERY_JSON, "json")])
def test_discovery_example(body: bytes, fmt: str) -> None:
    discovery = parse_discovery(body, fmt)
    assert isinstance(discovery, Discovery)
    assert discovery.changeset == "2011-02-03 14:18"
    assert discovery.key_service is not None and "api_key/request" in discovery.key_service
    assert [e.url for e in discovery.endpoints] == [
        "http://open311.mycity.gov/v2",
        "http://open311.mycity.gov/test/v2",
        "http://open311.mycity.gov/v3",
    ]
    assert discovery.endpoints[1].formats == ("text/xml", "application/json")
    assert [e.url for e in discovery.georeport_v2()] == ["http://open311.mycity.gov/v2"]
    assert [e.url for e in discovery.georeport_v2(production=False)] == [
        "http://open311.mycity.gov/test/v2"
    ]


# ------------------------------------------------------------------ what real servers send


def test_namespaced_xml_is_read() -> None:
    body = (
        b'<services xmlns="http://wiki.open311.org/GeoReport_v2"><service>'
        b"<service_code>7</service_code><service_name>Pothole</service_name>"
        b"</service></services>"
    )
    (service,) = parse_services(body, "xml")
    assert (service.service_code, service.metadata, service.type) == ("7", False, "realtime")


def test_strings_where_numbers_and_booleans_were_due() -> None:
    body = b"""[{"service_request_id":"12","status":"Open","service_code":"A",
    "requested_datetime":"2026-11-23T10:00:00Z","lat":"43.9","long":"-78.9",
    "zipcode":"","address":"  "}]"""
    (request,) = parse_requests(body, "json")
    assert (request.lat, request.long) == (43.9, -78.9)
    assert request.status == "open"
    assert request.zipcode is None and request.address is None
    definition = parse_definition(
        b'{"service_code":"X","attributes":[{"code":"c","datatype":"string",'
        b'"required":"false","variable":"true","order":null}]}',
        "json",
    )
    (attribute,) = definition.attributes
    assert (attribute.required, attribute.variable, attribute.order) == (False, True, 1)


def test_single_object_and_wrapped_answers() -> None:
    one = b'{"service_request_id":"5","status":"open","service_code":"A",' + (
        b'"requested_datetime":"2026-11-23T10:00:00-05:00"}'
    )
    assert [r.service_request_id for r in parse_requests(one, "json")] == ["5"]
    wrapped = b'{"service_requests":[' + one + b"]}"
    assert [r.service_request_id for r in parse_requests(wrapped, "json")] == ["5"]
    assert parse_requests(b"[]", "json") == []
    assert parse_requests(b"<service_requests/>", "xml") == []
    assert parse_errors(b'{"code":400,"description":"bad"}', "json") == (ErrorItem("400", "bad"),)


def test_token_answer_without_an_id_yet() -> None:
    body = b"<service_requests><request><token>t-1</token><service_request_id/></request>"
    status = parse_token(body + b"</service_requests>", "xml")
    assert (status.token, status.service_request_id) == ("t-1", None)
    assert parse_token(b'[{"service_request_id":null}]', "json", token="t-2").token == "t-2"


def test_receipt_with_a_token() -> None:
    receipt = parse_receipt(b'[{"token":"abc","service_notice":null}]', "json")
    assert (receipt.service_request_id, receipt.token) == (None, "abc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1994-11-05T08:15:30-05:00", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)),
        ("1994-11-05T13:15:30Z", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)),
        ("2010-04-19T14:37:38.000Z", datetime(2010, 4, 19, 14, 37, 38, tzinfo=UTC)),
    ],
)
def test_w3c_datetimes(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_format_datetime_writes_utc_as_z_and_refuses_naive() -> None:
    assert format_datetime(datetime(2010, 1, 1, tzinfo=UTC)) == "2010-01-01T00:00:00Z"
    assert format_datetime(datetime(2010, 1, 1, tzinfo=PACIFIC)) == "2010-01-01T00:00:00-08:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_datetime(datetime(2010, 1, 1))


# ------------------------------------------------------------------ hostile XML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<errors><error><code>1</code><description>&lol9;</description></error></errors>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(Open311ProtocolError, match="refused for safety"):
        parse_errors(BILLION_LAUGHS, "xml")


def test_external_entity_is_refused() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE services [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<services><service><service_code>&secret;</service_code>
<service_name>x</service_name></service></services>"""
    with pytest.raises(Open311ProtocolError, match="refused for safety"):
        parse_services(body, "xml")


def test_any_dtd_is_refused() -> None:
    body = b'<!DOCTYPE errors SYSTEM "http://127.0.0.1:1/evil.dtd"><errors/>'
    with pytest.raises(Open311ProtocolError, match="refused for safety"):
        parse_errors(body, "xml")


def test_absurd_nesting_is_refused() -> None:
    body = b"<services><service>" + b"<a>" * 200 + b"</a>" * 200 + b"</service></services>"
    with pytest.raises(Open311ProtocolError, match="nested deeper"):
        parse_services(body, "xml")


# ------------------------------------------------------------------ malformed input


@pytest.mark.parametrize(
    ("reader", "body", "fmt", "message"),
    [
        (parse_services, b"<services><service>", "xml", "not well-formed XML"),
        (parse_services, b"", "xml", "not well-formed XML"),
        (parse_services, b"<html><body>Oops</body></html>", "xml", "expected an XML <services>"),
        (parse_services, b"{not json", "json", "not valid JSON"),
        (parse_services, b"[NaN]", "json", "not valid JSON"),
        (parse_services, b'"just a string"', "json", "expected a list"),
        (parse_services, b"[1, 2]", "json", "expected an object"),
        (parse_services, b'[{"service_name":"x"}]', "json", "'service_code' is missing"),
        (parse_services, b'[{"service_code":"x","service_name":"y","type":"later"}]', "json",
         "type: 'later' is not one of"),
        (parse_services, b'[{"service_code":"x","service_name":"y","metadata":"maybe"}]', "json",
         "metadata: expected true or false"),
        (parse_services, b'[{"service_code":{"a":1},"service_name":"y"}]', "json",
         "service_code: expected text"),
        (parse_definition, b'{"attributes":[]}', "json", "'service_code' is missing"),
        (parse_definition, b'{"service_code":"x","attributes":[{"code":"c","datatype":"blob"}]}',
         "json", "datatype: 'blob' is not one of"),
        (parse_definition, b'{"service_code":"x","attributes":[{"code":"c","datatype":"text",'
         b'"order":"first"}]}', "json", "order: 'first' is not an integer"),
        (parse_receipt, b"[]", "json", "expected exactly one item, got 0"),
        (parse_token, b"[{}]", "json", "'token' is missing"),
        (parse_requests, b'[{"service_request_id":"1","status":"open","service_code":"A"}]',
         "json", "'requested_datetime' is missing"),
        (parse_requests, b'[{"service_request_id":"1","status":"open","service_code":"A",'
         b'"requested_datetime":"2026-11-23T10:00:00"}]', "json", "has no timezone offset"),
        (parse_requests, b'[{"service_request_id":"1","status":"open","service_code":"A",'
         b'"requested_datetime":"yesterday"}]', "json", "not a W3C datetime"),
        (parse_requests, b'[{"service_request_id":"1","status":"pending","service_code":"A",'
         b'"requested_datetime":"2026-11-23T10:00:00Z"}]', "json", "status: 'pending'"),
        (parse_requests, b'[{"service_request_id":"1","status":"open","service_code":"A",'
         b'"requested_datetime":"2026-11-23T10:00:00Z","lat":"north"}]', "json",
         "lat: the value is not a number"),
        (parse_requests, b"<service_requests><request><status>open</status><status>closed"
         b"</status></request></service_requests>", "xml", "repeats <status>"),
    ],
)  # fmt: skip
def test_malformed_documents_raise_protocol_errors(
    reader: object, body: bytes, fmt: str, message: str
) -> None:
    assert callable(reader)
    with pytest.raises(Open311ProtocolError, match=message):
        reader(body, fmt)


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        parse_services(b"[]", "yaml")
