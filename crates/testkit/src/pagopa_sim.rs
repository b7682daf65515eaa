//! Starts the pagoPA simulator (`e2e/pagopa-sim.mjs`, Node) for a test: it stands in for the
//! real platform (GPD, the checkout, the node sending receipts), which these machines cannot
//! reach. Without Node the caller is told to skip — except under CI, where that is a failure.

use std::process::Stdio;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::oidc_provider::{e2e_path, npm_packages};

pub struct PagoPaSimulator {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub subscription_key: String,
    child: Child,
    http: reqwest::Client,
}

/// The station's identity the tests use.
pub const BROKER: &str = "80001234567";
pub const STATION: &str = "80001234567_01";

impl PagoPaSimulator {
    pub async fn start() -> Option<Self> {
        let dir = e2e_path();
        let unavailable = |why: String| {
            if std::env::var_os("CI").is_some() {
                panic!("the pagoPA simulator is required under CI: {why}");
            }
            eprintln!("SKIPPED: pagoPA simulator unavailable ({why}); install Node.js and npm");
        };
        if let Err(why) = npm_packages(&dir, "ajv-formats").await {
            unavailable(why);
            return None;
        }
        let subscription_key = format!("sim-key-{}", std::process::id());
        let mut child = match Command::new("node")
            .arg("pagopa-sim.mjs")
            .current_dir(&dir)
            .env("SUBSCRIPTION_KEY", &subscription_key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                unavailable(format!("node not found: {e}"));
                return None;
            }
        };
        let mut stdout = BufReader::new(child.stdout.take()?).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(30), stdout.next_line())
            .await
            .expect("the simulator starts within 30 s")
            .expect("simulator output")
            .expect("a first line");
        let port = first
            .strip_prefix("port ")
            .expect("`port N`")
            .trim()
            .to_string();
        Some(Self {
            url: format!("http://127.0.0.1:{port}"),
            subscription_key,
            child,
            http: reqwest::Client::new(),
        })
    }

    /// The `[pagopa]` configuration of a Sportello that uses this simulator.
    pub fn config(&self, node_token: &str) -> sportello::config::PagoPaConfig {
        sportello::config::PagoPaConfig {
            gpd_url: Some(format!("{}/gpd/debt-positions-service/v1", self.url)),
            fdr_url: Some(format!("{}/fdr-org/service/v1", self.url)),
            subscription_key: Some(self.subscription_key.clone().into()),
            checkout_url: Some(format!("{}/checkout/ec/v1", self.url)),
            checkout_origin: None,
            broker_fiscal_code: BROKER.into(),
            station_id: STATION.into(),
            node_token: Some(node_token.to_string().into()),
        }
    }

    /// Tells the simulator where the station takes receipts, and with which token.
    pub async fn send_receipts_to(&self, sportello_url: &str, node_token: &str) {
        self.post(
            "/sim/config",
            json!({
                "receiptUrl": format!("{sportello_url}/pagopa/paForNode"),
                "token": node_token,
                "brokerFiscalCode": BROKER,
                "stationId": STATION,
            }),
        )
        .await;
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A control call whose answer is text (a camt.053 statement).
    pub async fn http_text(&self, path: &str, body: Value) -> String {
        self.http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The platform down (every GPD and checkout call answered 503) or back.
    pub async fn set_down(&self, down: bool) {
        self.post("/sim/down", json!({ "down": down })).await;
    }

    /// Pays a notice as a PSP would (the receipt is sent before this returns); `amount` in
    /// cents forces another amount than the notice's.
    pub async fn pay(&self, notice: &str, amount: Option<i64>) -> Value {
        self.post("/sim/pay", json!({ "nav": notice, "amount": amount }))
            .await
    }

    /// Every request Sportello made, with whether it met the official schema.
    pub async fn requests(&self) -> Vec<Value> {
        self.get("/sim/requests")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
