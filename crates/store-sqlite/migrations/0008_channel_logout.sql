-- OpenID Connect Back-Channel Logout 1.0 §2.2 and Front-Channel Logout 1.0 §2: where each
-- client application is told that a session it took part in has ended, and whether it needs
-- the session id; both `*_session_required` default to true as the specifications say
-- (docs/flows/logout.md).
ALTER TABLE client_applications ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE client_applications
    ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 1
    CHECK (backchannel_logout_session_required IN (0, 1));
ALTER TABLE client_applications ADD COLUMN frontchannel_logout_uri TEXT;
ALTER TABLE client_applications
    ADD COLUMN frontchannel_logout_session_required INTEGER NOT NULL DEFAULT 1
    CHECK (frontchannel_logout_session_required IN (0, 1));

-- When a session ends, the applications holding grants made in it are found by session.
CREATE INDEX grants_by_session ON grants (partition_id, session_id);
