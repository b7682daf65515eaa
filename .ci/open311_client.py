"""Open311 GeoReport v2 against a running Sportello, with a real client (issue 20).

`georeport` (PyPI) reads: the service list and a definition, requests by their filters and one
by its id, in JSON and in XML (parsed by the client with xmltodict). It cannot create requests
(its documentation says so), so a report is filed as every GeoReport client files one: a form
POST to `requests.json` with the key, made here with `requests`, the library georeport itself
uses. Usage: open311_client.py URL KEY. Exits non-zero on the first disagreement.
"""
import sys

import requests
from georeport import GeoReport

url, key = sys.argv[1].rstrip("/"), sys.argv[2]
root = f"{url}/open311/v2"

for fmt in ("json", "xml"):
    client = GeoReport(root, jurisdiction="livorno", output_format=fmt)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "strade" in codes and "illuminazione" in codes, codes
    definition = client.get_service_definition("strade")
    assert definition["service_code"] == "strade", definition
    # The one attribute: whether the public sees the reporter's name (xmltodict gives one
    # element as a dict, JSON a list).
    attribute = definition["attributes"]
    attribute = attribute["attribute"] if fmt == "xml" else attribute[0]
    assert attribute["code"] == "anonimo", attribute
    print(f"{fmt}: {len(services)} services")

# Filed without a key: refused, nothing created.
form = {
    "jurisdiction_id": "livorno",
    "service_code": "illuminazione",
    "address_string": "Via Grande 40",
    "description": "Lampione spento\nDa una settimana, davanti al civico 40.",
    "email": "cittadina@example.org",
    "first_name": "Sara",
    "last_name": "Neri",
}
refused = requests.post(f"{root}/requests.json", data=form, timeout=30)
assert refused.status_code == 403, (refused.status_code, refused.text)
assert refused.json()[0]["code"] == 403

created = requests.post(f"{root}/requests.json", data={**form, "api_key": key}, timeout=30)
assert created.status_code == 201, (created.status_code, created.text)
request_id = created.json()[0]["service_request_id"]
token = created.json()[0]["token"]
print(f"filed {request_id}")

for fmt in ("json", "xml"):
    client = GeoReport(root, jurisdiction="livorno", output_format=fmt)
    one = client.get_service_request(request_id)
    assert one["service_request_id"] == request_id, one
    assert one["status"] == "open", one
    assert one["service_code"] == "illuminazione", one
    assert one["address"] == "Via Grande 40", one
    assert "email" not in one, "the reporter's e-mail is never published"
    found = client.get_service_requests(status="open", service_code="illuminazione")
    if isinstance(found, dict):  # xmltodict: one element is a dict, several a list
        found = [found]
    assert any(r["service_request_id"] == request_id for r in found), found
    closed = client.get_service_requests(status="closed", service_code="illuminazione")
    closed = [closed] if isinstance(closed, dict) else (closed or [])
    assert all(r["service_request_id"] != request_id for r in closed)
    listed = client.get_service_requests(service_request_id=request_id)
    listed = [listed] if isinstance(listed, dict) else listed
    assert [r["service_request_id"] for r in listed] == [request_id], listed
    print(f"{fmt}: read back {request_id}, found among {len(found)} open")

# A page of another site may read what the client reads (CORS), never file.
pre = requests.options(f"{root}/requests.json", headers={"Origin": "https://civic.example", "Access-Control-Request-Method": "GET"}, timeout=30)
assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*", pre.headers
bad = requests.post(f"{root}/requests.json", data={**form, "api_key": key, "attribute[anonimo]": "forse"}, timeout=30)
assert bad.status_code == 400, (bad.status_code, bad.text)

by_token = requests.get(f"{root}/tokens/{token}.json", params={"jurisdiction_id": "livorno"}, timeout=30)
assert by_token.json()[0]["service_request_id"] == request_id
print("open311: the georeport client agrees")
