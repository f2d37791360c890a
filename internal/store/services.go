package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// ComputeService is one compute subscription of an org, as the vCloud Air
// dialect lists it (GET /api/vchs/services). Clients pick a service by
// Name, which the wire calls serviceId.
type ComputeService struct {
	ID    urn.UUID // in hrefs: /api/vchs/compute/{ID}
	OrgID urn.UUID
	// Name is the serviceId clients match on; unique per org, compared
	// case-insensitively.
	Name string
	// Region and Type are shown as region and serviceType ("compute:vpc").
	Region    string
	Type      string
	CreatedAt time.Time
	// VDCs are the service's virtual datacenters ordered by name. Readers
	// fill them; InsertComputeService inserts them with the service.
	VDCs []VDC
}

// VDC is a virtual datacenter of a compute service. Cloud Director clients
// reach it at /api/vdc/{ID} after the vCloud Air hand-off.
type VDC struct {
	ID        urn.UUID
	ServiceID urn.UUID // the ComputeService it belongs to
	OrgID     urn.UUID
	Name      string // unique per service, compared case-insensitively
	CreatedAt time.Time
}

// ServiceReader reads compute services and their virtual datacenters.
type ServiceReader interface {
	// ComputeServices lists the services of an org ordered by name, each
	// with its VDCs.
	ComputeServices(ctx context.Context, orgID urn.UUID) ([]ComputeService, error)
	// ComputeServiceByID returns a service with its VDCs.
	ComputeServiceByID(ctx context.Context, id urn.UUID) (ComputeService, error)
	// VDCByID returns one virtual datacenter.
	VDCByID(ctx context.Context, id urn.UUID) (VDC, error)
}

// ServiceWriter changes compute services.
type ServiceWriter interface {
	// InsertComputeService inserts a service and its VDCs (stored under the
	// service: their ServiceID and OrgID are taken from it). ErrConflict
	// when the org already has the name, or two VDCs share a name.
	InsertComputeService(ctx context.Context, s ComputeService) error
	// DeleteComputeService removes a service and its VDCs; ErrNotFound if
	// it does not exist.
	DeleteComputeService(ctx context.Context, id urn.UUID) error
}
