//! Fetching Open Referral UK feed pages over HTTP(S), for `linkwork import
//! directory URL` and for the registered feeds `serve` reads on schedule.

use anyhow::Context;
use linkwork_app::directory_import::FeedClient;

/// Fetches feed pages over HTTP(S).
pub struct HttpFeed {
    client: reqwest::Client,
}

impl HttpFeed {
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("linkwork/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .context("could not start an HTTP client")?;
        Ok(HttpFeed { client })
    }
}

#[async_trait::async_trait]
impl FeedClient for HttpFeed {
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        response.json().await.map_err(|e| format!("not JSON: {e}"))
    }
}
