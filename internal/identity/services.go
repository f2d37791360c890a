package identity

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// An org's compute services are what the vCloud Air dialect lists; each has
// virtual datacenters that the hand-off to Cloud Director leads to. They
// belong to the org like its users do, so they live here.

// Defaults of a compute service.
const (
	DefaultServiceRegion = "default"
	DefaultServiceType   = "compute:vpc"
	// MaxVDCsPerService bounds a service's VDC list (a Compute document
	// lists them all).
	MaxVDCsPerService = 100
)

// ServiceSpec describes a compute service to create.
type ServiceSpec struct {
	// Name is the serviceId clients match on.
	Name string
	// Region and Type default to DefaultServiceRegion and DefaultServiceType.
	Region string
	Type   string
	// VDCs names the virtual datacenters; empty means one named like the
	// service.
	VDCs []string
}

// DefaultService is the service every new org gets: serviceId = the org's
// name and one VDC of the same name. govcloudair matches VdcRef names and
// VdcLink names against what its caller passes as vdcid and computeid, and
// pyvcloud takes the org name from the VDC's name after the hand-off, so
// one name for all three makes every client of the chain line up.
func DefaultService(orgName string) ServiceSpec { return ServiceSpec{Name: orgName} }

var serviceTypeRE = regexp.MustCompile(`^compute:[a-z0-9][a-z0-9.-]{0,63}$`)

// normalize applies the defaults and validates the spec.
func (s ServiceSpec) normalize() (ServiceSpec, error) {
	if err := validateServiceName("service", s.Name); err != nil {
		return s, err
	}
	if s.Region == "" {
		s.Region = DefaultServiceRegion
	}
	if s.Type == "" {
		s.Type = DefaultServiceType
	}
	if utf8.RuneCountInString(s.Region) > 128 || !utf8.ValidString(s.Region) || strings.TrimSpace(s.Region) != s.Region ||
		strings.IndexFunc(s.Region, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return s, apierr.New(apierr.Invalid, "region must be 1 to 128 printable characters without spaces at either end")
	}
	if !serviceTypeRE.MatchString(s.Type) {
		return s, apierr.New(apierr.Invalid, "service type %q must look like compute:vpc or compute:dedicatedcloud", s.Type)
	}
	if len(s.VDCs) == 0 {
		s.VDCs = []string{s.Name}
	}
	if len(s.VDCs) > MaxVDCsPerService {
		return s, apierr.New(apierr.Invalid, "a service has at most %d virtual datacenters", MaxVDCsPerService)
	}
	seen := map[string]bool{}
	for _, v := range s.VDCs {
		if err := validateServiceName("virtual datacenter", v); err != nil {
			return s, err
		}
		if seen[strings.ToLower(v)] {
			return s, apierr.New(apierr.Invalid, "virtual datacenter %q is named twice", v)
		}
		seen[strings.ToLower(v)] = true
	}
	return s, nil
}

// validateServiceName checks a serviceId or VDC name: the characters of an
// org name (they default to one), which are also safe in XML attributes
// and command lines.
func validateServiceName(what, name string) error {
	if ValidateOrgName(name) != nil {
		return apierr.New(apierr.Invalid, "%s name %q must be 1 to 128 letters, digits, '.', '-' or '_', starting with a letter or digit", what, name)
	}
	return nil
}

// record builds the store record of a validated spec.
func (s ServiceSpec) record(org store.Org, now time.Time) store.ComputeService {
	svc := store.ComputeService{ID: urn.New(), OrgID: org.ID, Name: s.Name, Region: s.Region, Type: s.Type, CreatedAt: now}
	for _, v := range s.VDCs {
		svc.VDCs = append(svc.VDCs, store.VDC{ID: urn.New(), ServiceID: svc.ID, OrgID: org.ID, Name: v, CreatedAt: now})
	}
	return svc
}

// normalizeAll validates specs; nil means the org's default service.
func normalizeAll(orgName string, specs []ServiceSpec) ([]ServiceSpec, error) {
	if specs == nil {
		specs = []ServiceSpec{DefaultService(orgName)}
	}
	out := make([]ServiceSpec, 0, len(specs))
	seen := map[string]bool{}
	for _, s := range specs {
		n, err := s.normalize()
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(n.Name)] {
			return nil, apierr.New(apierr.Invalid, "service %q is named twice", n.Name)
		}
		seen[strings.ToLower(n.Name)] = true
		out = append(out, n)
	}
	return out, nil
}

// insertServices writes validated specs for org inside tx, with an audit
// event each.
func (d *Directory) insertServices(ctx context.Context, tx store.Tx, by audit.Actor, org store.Org, specs []ServiceSpec, now time.Time) ([]store.ComputeService, error) {
	var out []store.ComputeService
	for _, s := range specs {
		svc := s.record(org, now)
		if err := tx.InsertComputeService(ctx, svc); err != nil {
			return nil, err
		}
		if err := d.audit(tx, ctx, by, "service.add", audit.Success, org.Name+"/"+svc.Name, strings.Join(s.VDCs, ",")); err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	return out, nil
}

// AddService adds a compute service to an org. Conflict when the org
// already has one of that name.
func (d *Directory) AddService(ctx context.Context, by audit.Actor, orgName string, spec ServiceSpec) (store.ComputeService, error) {
	n, err := spec.normalize()
	if err != nil {
		return store.ComputeService{}, err
	}
	var svc store.ComputeService
	err = d.store.Update(ctx, func(tx store.Tx) error {
		org, err := tx.OrgByName(ctx, orgName)
		if err != nil {
			return storeErr(err, "organization "+orgName)
		}
		added, err := d.insertServices(ctx, tx, by, org, []ServiceSpec{n}, d.now())
		if err != nil {
			return storeErr(err, "service "+n.Name+" in "+org.Name)
		}
		svc = added[0]
		return nil
	})
	return svc, keepAPIErr(err, "service "+n.Name)
}

// RemoveService removes a compute service (and its virtual datacenters)
// by name. Sessions handed off to one of its VDCs are Cloud Director
// sessions of their own and stay.
func (d *Directory) RemoveService(ctx context.Context, by audit.Actor, orgName, name string) (store.ComputeService, error) {
	var svc store.ComputeService
	err := d.store.Update(ctx, func(tx store.Tx) error {
		org, err := tx.OrgByName(ctx, orgName)
		if err != nil {
			return storeErr(err, "organization "+orgName)
		}
		all, err := tx.ComputeServices(ctx, org.ID)
		if err != nil {
			return err
		}
		found := false
		for _, s := range all {
			if strings.EqualFold(s.Name, name) {
				svc, found = s, true
			}
		}
		if !found {
			return apierr.New(apierr.NotFound, "organization %s has no service %s", org.Name, name)
		}
		if err := tx.DeleteComputeService(ctx, svc.ID); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "service.remove", audit.Success, org.Name+"/"+svc.Name, "")
	})
	return svc, keepAPIErr(err, "service "+name)
}

// keepAPIErr is storeErr for errors that may already be API errors with a
// more precise message (made inside the transaction).
func keepAPIErr(err error, what string) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return err
	}
	return storeErr(err, what)
}

// Services lists an org's compute services with their VDCs.
func (d *Directory) Services(ctx context.Context, orgID urn.UUID) ([]store.ComputeService, error) {
	s, err := d.store.ComputeServices(ctx, orgID)
	return s, storeErr(err, "service")
}

// Service returns a compute service by id.
func (d *Directory) Service(ctx context.Context, id urn.UUID) (store.ComputeService, error) {
	s, err := d.store.ComputeServiceByID(ctx, id)
	return s, storeErr(err, "service")
}

// VDC returns a virtual datacenter by id.
func (d *Directory) VDC(ctx context.Context, id urn.UUID) (store.VDC, error) {
	v, err := d.store.VDCByID(ctx, id)
	return v, storeErr(err, "virtual datacenter")
}
