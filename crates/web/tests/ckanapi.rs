//! Drives a running server with the PyPI `ckanapi` client (the CKAN Action API subset),
//! checks the DCAT-AP catalogue and a download. Skips when Python or `ckanapi` is
//! missing, unless `GOVOPS_REQUIRE_CKANAPI=1` (set by `.ci/run`, which installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestApp;

const SCRIPT: &str = r#"
import json, sys, urllib.request
import ckanapi

address = sys.argv[1]
for c in (ckanapi.RemoteCKAN(address), ckanapi.RemoteCKAN(address, get_only=True)):
    found = c.action.package_search(q="business", rows=5)
    assert found["count"] == 1, found
    pkg = found["results"][0]
    assert pkg["name"] == "business-registry", pkg
    assert c.action.package_search(q="no-such-words-anywhere")["count"] == 0
    everything = c.action.package_search(rows=100)
    assert [p["name"] for p in everything["results"]] == ["business-registry"], everything
    shown = c.action.package_show(id="business-registry")
    assert shown["organization"]["name"] == "amr", shown["organization"]
    assert shown["num_resources"] == len(shown["resources"]) >= 1
    assert c.action.organization_list() == ["amr"]
    orgs = c.action.organization_list(all_fields=True)
    assert orgs[0]["package_count"] == 1, orgs
    org = c.action.organization_show(id="amr", include_datasets=True)
    assert [p["name"] for p in org["packages"]] == ["business-registry"]
    res = c.action.resource_show(id=shown["resources"][0]["id"])
    assert res["format"] == "CSV" and res["package_id"] == "business-registry", res
    try:
        c.action.package_show(id="population-registry")
        raise AssertionError("a dataset that is not open was shown")
    except ckanapi.NotFound:
        pass
    try:
        c.action.organization_show(id="psb-hukou")
        raise AssertionError("a publisher without open data was shown")
    except ckanapi.NotFound:
        pass
    try:
        c.action.package_show()
        raise AssertionError("package_show without id succeeded")
    except ckanapi.ValidationError as e:
        assert "id" in e.error_dict, e.error_dict

body = urllib.request.urlopen(res["url"]).read().decode("utf-8")
header = body.splitlines()[0]
assert header.startswith("credit_code,company_name,"), header
assert "legal_rep_id" not in header, header
rows = body.count("\n") - 1
catalog = json.load(urllib.request.urlopen(address + "/api/v1/open/catalog"))
assert catalog["@type"] == "dcat:Catalog"
assert [d["dct:identifier"] for d in catalog["dcat:dataset"]] == ["business-registry"]
print("OK", found["count"], rows)
"#;

fn python_with_ckanapi() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import ckanapi"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ckanapi_client_reads_the_open_data() {
    if !python_with_ckanapi() {
        assert!(
            std::env::var("GOVOPS_REQUIRE_CKANAPI").as_deref() != Ok("1"),
            "GOVOPS_REQUIRE_CKANAPI=1 but `python3 -c 'import ckanapi'` fails; \
             install it with `pip install ckanapi==4.11`"
        );
        eprintln!("SKIPPED: python3 with ckanapi is not installed (pip install ckanapi==4.11)");
        return;
    }
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let router = app.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", SCRIPT, &address])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ckanapi script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.starts_with("OK 1 800"), "{stdout}");
}
