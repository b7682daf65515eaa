//! The debate on a project: comments, replies and reports of abuse.

use super::*;

pub struct CommentView {
    pub id: String,
    pub author: String,
    pub facilitator: String,
    pub body: String,
    pub when: String,
    pub hidden: bool,
    pub replies: Vec<CommentView>,
}

fn comment_view(c: &sportello_app::model::PbCommentRow) -> CommentView {
    CommentView {
        id: c.id.clone(),
        author: c.author_name.clone(),
        facilitator: c.facilitator.clone().unwrap_or_default(),
        body: c.body.clone(),
        when: super::super::services::it_minutes(sportello_app::model::from_millis(c.created_at)),
        hidden: c.hidden,
        replies: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "pb_project.html")]
struct ProjectPage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    project: ProjectLine,
    comments: Vec<CommentView>,
    /// (position, text alternative)
    images: Vec<(i64, String)>,
    debate_open: bool,
    signed_in: bool,
    facilitators: Vec<String>,
    error: Option<String>,
    kept: String,
    notice: Option<&'static str>,
}

async fn project_page(
    ctx: &Ctx,
    slug: String,
    process: String,
    number: i64,
    error: Option<String>,
    kept: String,
    notice: Option<&'static str>,
) -> Response {
    let ente = match ente_or_404(ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let d = match ctx
        .state
        .app
        .participation()
        .pb_project(&ente, &process, number)
        .await
    {
        Ok(d) => d,
        Err(e) => return page_for(ctx, e),
    };
    let mut comments: Vec<CommentView> = d
        .comments
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(comment_view)
        .collect();
    for c in &mut comments {
        c.replies = d
            .comments
            .iter()
            .filter(|r| r.parent_id.as_deref() == Some(c.id.as_str()))
            .map(comment_view)
            .collect();
    }
    let project = lines(ctx, &d.process)
        .into_iter()
        .find(|l| l.number == number);
    let Some(project) = project else {
        return page_for(ctx, AppError::NotFound);
    };
    let facilitators = ctx
        .state
        .app
        .participation()
        .pb_facilitators(&ente, &d.process)
        .await;
    let facilitators = match facilitators {
        Ok(f) => f,
        Err(e) => return page_for(ctx, e),
    };
    render_status(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &ProjectPage {
            page: ctx.page_for_ente(project.title.clone(), &ente.name, &ente.slug),
            slug,
            process,
            title: d.process.row.title.clone(),
            debate_open: d.process.is_open(Phase::Debate) && project.on_ballot,
            project,
            comments,
            images: d
                .images
                .iter()
                .map(|i| (i.position, i.description.clone()))
                .collect(),
            signed_in: ctx.citizen().is_some(),
            facilitators,
            error,
            kept,
            notice,
        },
    )
}

pub async fn image(
    ctx: Ctx,
    Path((slug, process, number, position)): Path<(String, String, i64, i64)>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .participation()
        .pb_project_image(&ente, &process, number, position)
        .await
    {
        Ok((bytes, media_type)) => ([(header::CONTENT_TYPE, media_type)], bytes).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn project(
    ctx: Ctx,
    Path((slug, process, number)): Path<(String, String, i64)>,
) -> Response {
    project_page(&ctx, slug, process, number, None, String::new(), None).await
}

pub async fn comment(
    ctx: Ctx,
    Path((slug, process, number)): Path<(String, String, i64)>,
    CsrfFields(CitizenHere(who), f): CsrfFields<CitizenHere>,
) -> Response {
    let f = Fields(f);
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let parent = Some(f.get("risposta_a")).filter(|p| !p.is_empty());
    let text = f.get("testo");
    match ctx
        .state
        .app
        .participation()
        .comment_pb(&ente, &process, &who, number, parent.as_deref(), &text)
        .await
    {
        Ok(()) => {
            project_page(
                &ctx,
                slug,
                process,
                number,
                None,
                String::new(),
                Some(ctx.t("pb.comment_published")),
            )
            .await
        }
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok((_, m)) => project_page(&ctx, slug, process, number, Some(m), text, None).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

pub async fn report(
    ctx: Ctx,
    Path((slug, process, number, comment)): Path<(String, String, i64, String)>,
    CsrfFields(CitizenHere(who), _): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .participation()
        .report_pb_comment(&ente, &process, &who, &comment)
        .await
    {
        Ok(()) => {
            project_page(
                &ctx,
                slug,
                process,
                number,
                None,
                String::new(),
                Some(ctx.t("pb.report_received")),
            )
            .await
        }
        Err(e) => page_for(&ctx, e),
    }
}
