package serviceaccount

import (
	"context"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The Admin methods serve the host's administrator (the command line):
// they reach every org, as a System administrator without a tenant
// context does, and run the same code as the API's List, Get, Revoke and
// Delete, so a revocation ends the account's sessions on every instance
// through the change feed.

// AdminList returns the accounts matching q (q.OrgID zero: every org) and
// the total before paging.
func (s *Service) AdminList(ctx context.Context, q store.ServiceAccountQuery) ([]store.ServiceAccountRow, int, error) {
	rows, total, err := s.store.ServiceAccounts(ctx, q)
	return rows, total, storeErr(err, "service account")
}

// AdminGet returns one account; NotFound if it does not exist.
func (s *Service) AdminGet(ctx context.Context, id urn.UUID) (store.ServiceAccountRow, error) {
	return s.visible(ctx, reach{all: true}, id)
}

// AdminRevoke ends the account's grant and every session made from it;
// the account is CREATED again. NotFound if it does not exist.
func (s *Service) AdminRevoke(ctx context.Context, by audit.Actor, id urn.UUID) error {
	return s.change(ctx, id, by, false)
}

// AdminDelete revokes and removes the account. NotFound if it does not
// exist.
func (s *Service) AdminDelete(ctx context.Context, by audit.Actor, id urn.UUID) error {
	return s.change(ctx, id, by, true)
}
