//! The sample content: three portals with different audiences, a few articles and editions.

use tessera_oauth_types::Actor;

/// A knowledge portal and who may browse it.
pub(crate) struct Portal {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) language: &'static str,
    /// Agents see every portal; customers and anonymous visitors only those listing them.
    pub(crate) audience: &'static [Actor],
}

pub(crate) struct Article {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) portals: &'static [&'static str],
    pub(crate) editions: &'static [Edition],
}

pub(crate) struct Edition {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) language: &'static str,
    pub(crate) status: &'static str,
}

pub(crate) const PORTALS: &[Portal] = &[
    Portal {
        id: "PZ-1001",
        name: "Agent Knowledge Base",
        description: "Procedures and internal notes for contact-centre agents.",
        language: "en-US",
        audience: &[Actor::User],
    },
    Portal {
        id: "PZ-1002",
        name: "Customer Help Center",
        description: "Public answers to common questions.",
        language: "en-US",
        audience: &[Actor::User, Actor::Customer, Actor::AnonymousCustomer],
    },
    Portal {
        id: "PZ-1003",
        name: "Premium Support",
        description: "Guides for signed-in customers.",
        language: "en-US",
        audience: &[Actor::User, Actor::Customer],
    },
];

pub(crate) const ARTICLES: &[Article] = &[
    Article {
        id: "PROD-2001",
        name: "Resetting your password",
        summary: "Use the Forgot password link on the sign-in page; the link in the email is valid for one hour.",
        portals: &["PZ-1002", "PZ-1003"],
        editions: &[
            Edition {
                id: "ED-2001-1",
                name: "Global",
                language: "en-US",
                status: "published",
            },
            Edition {
                id: "ED-2001-2",
                name: "France",
                language: "fr-FR",
                status: "draft",
            },
        ],
    },
    Article {
        id: "PROD-2002",
        name: "Escalation procedure",
        summary: "Escalate to tier 2 after two failed troubleshooting attempts; attach the case history.",
        portals: &["PZ-1001"],
        editions: &[Edition {
            id: "ED-2002-1",
            name: "Global",
            language: "en-US",
            status: "published",
        }],
    },
    Article {
        id: "PROD-2003",
        name: "Understanding your bill",
        summary: "Charges are itemised per service; pro-rated amounts appear on the first invoice.",
        portals: &["PZ-1002"],
        editions: &[Edition {
            id: "ED-2003-1",
            name: "Global",
            language: "en-US",
            status: "published",
        }],
    },
];

/// The portals `actor` may browse.
pub(crate) fn portals_for(actor: Actor) -> impl Iterator<Item = &'static Portal> {
    PORTALS.iter().filter(move |p| p.audience.contains(&actor))
}

pub(crate) fn article(id: &str) -> Option<&'static Article> {
    ARTICLES.iter().find(|a| a.id.eq_ignore_ascii_case(id))
}
