package store

import "github.com/cloudgate/cloudgate/internal/fiql"

// The FIQL fields each list accepts, with the SQL expressions the SQL
// backends (which share one query layer) evaluate them as. The aliases are
// those of the list queries: s = sessions, t = api_tokens, u = users (the
// owner), o = orgs. Selector names follow Cloud Director's JSON fields.

// SessionSchema is the filter and sort schema of session lists.
func SessionSchema() fiql.Schema {
	return fiql.Schema{
		"id":         {Type: fiql.String, SQL: "('urn:vcloud:session:' || s.id)"},
		"user.name":  {Type: fiql.String, SQL: "u.name"},
		"user.id":    {Type: fiql.String, SQL: "(CASE WHEN u.kind = 'serviceAccount' THEN 'urn:vcloud:serviceAccount:' ELSE 'urn:vcloud:user:' END || s.user_id)"},
		"org.name":   {Type: fiql.String, SQL: "o.name", CaseInsensitive: true},
		"org.id":     {Type: fiql.String, SQL: "('urn:vcloud:org:' || s.org_id)"},
		"origin":     {Type: fiql.Enum, SQL: "s.origin"},
		"dialect":    {Type: fiql.Enum, SQL: "s.dialect"},
		"createdAt":  {Type: fiql.Time, SQL: "s.created_at"},
		"lastActive": {Type: fiql.Time, SQL: "s.last_active"},
		"ip":         {Type: fiql.String, SQL: "s.client_ip"},
		"userAgent":  {Type: fiql.String, SQL: "s.user_agent"},
	}
}

// TokenSchema is the filter and sort schema of API-token lists.
func TokenSchema() fiql.Schema {
	return fiql.Schema{
		"id":         {Type: fiql.String, SQL: "('urn:vcloud:token:' || t.id)"},
		"name":       {Type: fiql.String, SQL: "t.name"},
		"type":       {Type: fiql.Enum, SQL: "t.type"},
		"owner.name": {Type: fiql.String, SQL: "u.name"},
		"owner.id":   {Type: fiql.String, SQL: "('urn:vcloud:user:' || t.owner_id)"},
		"org.name":   {Type: fiql.String, SQL: "o.name", CaseInsensitive: true},
		"org.id":     {Type: fiql.String, SQL: "('urn:vcloud:org:' || t.org_id)"},
		"createdAt":  {Type: fiql.Time, SQL: "t.created_at"},
		"lastUsedAt": {Type: fiql.Time, SQL: "t.last_used_at"},
	}
}

// ServiceAccountSchema is the filter and sort schema of service-account
// lists (a = service_accounts, u = its user row, r = its role, o = orgs).
func ServiceAccountSchema() fiql.Schema {
	return fiql.Schema{
		"id":              {Type: fiql.String, SQL: "('urn:vcloud:serviceAccount:' || a.id)"},
		"name":            {Type: fiql.String, SQL: "u.name"},
		"softwareId":      {Type: fiql.String, SQL: "a.software_id"},
		"softwareVersion": {Type: fiql.String, SQL: "a.software_version"},
		"uri":             {Type: fiql.String, SQL: "a.uri"},
		"status": {Type: fiql.Enum, SQL: "a.status",
			Values: []string{string(AccountCreated), string(AccountRequested), string(AccountGranted), string(AccountActive)}},
		"role.name": {Type: fiql.String, SQL: "r.name"},
		"role.id":   {Type: fiql.String, SQL: "('urn:vcloud:role:' || u.role_id)"},
		"org.name":  {Type: fiql.String, SQL: "o.name", CaseInsensitive: true},
		"org.id":    {Type: fiql.String, SQL: "('urn:vcloud:org:' || a.org_id)"},
		"createdAt": {Type: fiql.Time, SQL: "a.created_at"},
	}
}
