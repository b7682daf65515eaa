//! The router, remembering every path it was given: the adversarial suite
//! (`crates/sportello/tests/it/surface.rs`) walks [`paths`] — every route the server has — so a
//! route added without saying who may use it fails the tests instead of being forgotten.

use axum::routing::MethodRouter;
use axum::Router;

use crate::WebState;

/// An axum router and the path templates it routes, in the order they were added.
pub(crate) struct Routes {
    router: Router<WebState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub(crate) fn route(mut self, path: &'static str, handlers: MethodRouter<WebState>) -> Self {
        self.router = self.router.route(path, handlers);
        self.paths.push(path);
        self
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    pub(crate) fn into_parts(self) -> (Router<WebState>, Vec<&'static str>) {
        (self.router, self.paths)
    }
}

/// Every route of the server: pages, the journey, the API, operations, static files.
pub(crate) fn all() -> Routes {
    crate::pages::routes()
        .merge(crate::api::routes())
        .merge(crate::ops::routes())
        .merge(crate::assets::routes())
}

/// The path template of every route the server answers (axum's syntax: `/{slug}/servizi`).
pub fn paths() -> Vec<&'static str> {
    all().into_parts().1
}
