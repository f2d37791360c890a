// Package seed applies a YAML fixture of orgs and users to the store,
// idempotently: it creates what is missing, never duplicates, never
// deletes and never changes what exists (an existing user keeps its
// password).
package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
)

// File is the fixture's shape.
type File struct {
	Orgs []Org `yaml:"orgs"`
}

// Org is one org of the fixture.
type Org struct {
	Name        string `yaml:"name"`
	FullName    string `yaml:"fullName"`
	Description string `yaml:"description"`
	Users       []User `yaml:"users"`
	// Services are the org's compute services (vCloud Air dialect). When
	// the key is absent a new org gets the default service; "services: []"
	// creates it with none.
	Services []Service `yaml:"services"`
}

// Service is one compute service of an org.
type Service struct {
	ServiceID   string   `yaml:"serviceId"`
	Region      string   `yaml:"region"`
	ServiceType string   `yaml:"serviceType"`
	VDCs        []string `yaml:"vdcs"`
}

func (s Service) spec() identity.ServiceSpec {
	return identity.ServiceSpec{Name: s.ServiceID, Region: s.Region, Type: s.ServiceType, VDCs: s.VDCs}
}

// User is one user of an org.
type User struct {
	Name     string `yaml:"name"`
	Password string `yaml:"password"`
	Role     string `yaml:"role"`
	FullName string `yaml:"fullName"`
}

// Report says what Apply did.
type Report struct {
	OrgsCreated, OrgsExisting         int
	UsersCreated, UsersExisting       int
	ServicesCreated, ServicesExisting int
}

func (r Report) String() string {
	return fmt.Sprintf("orgs: %d created, %d already present; users: %d created, %d already present; services: %d created, %d already present",
		r.OrgsCreated, r.OrgsExisting, r.UsersCreated, r.UsersExisting, r.ServicesCreated, r.ServicesExisting)
}

// Load reads and checks a fixture. Unknown keys are errors (a typo must
// not silently drop a user).
func Load(path string) (File, error) {
	var f File
	data, err := os.ReadFile(path) // #nosec G304 -- the operator names the seed file (--seed)
	if err != nil {
		return f, err
	}
	if len(data) > 4<<20 {
		return f, fmt.Errorf("%s: seed file larger than 4 MiB", path)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	for i, o := range f.Orgs {
		if o.Name == "" {
			return f, fmt.Errorf("%s: orgs[%d] has no name", path, i)
		}
		for j, u := range o.Users {
			if u.Name == "" || u.Password == "" || u.Role == "" {
				return f, fmt.Errorf("%s: orgs[%d] (%s) users[%d]: name, password and role are required", path, i, o.Name, j)
			}
		}
		for j, s := range o.Services {
			if s.ServiceID == "" {
				return f, fmt.Errorf("%s: orgs[%d] (%s) services[%d]: serviceId is required", path, i, o.Name, j)
			}
		}
	}
	return f, nil
}

// Apply creates the orgs and users of f that do not exist yet. Seed
// passwords may be as short as 8 characters (fixtures are for tests and
// demos); the policy minimum of 12 applies to every other way of setting
// a password.
func Apply(ctx context.Context, dir *identity.Directory, f File) (Report, error) {
	var rep Report
	by := audit.Actor{Name: "seed"}
	for _, o := range f.Orgs {
		spec := identity.OrgSpec{Name: o.Name, FullName: o.FullName, Description: o.Description}
		if o.Services != nil {
			spec.Services = make([]identity.ServiceSpec, 0, len(o.Services))
			for _, s := range o.Services {
				spec.Services = append(spec.Services, s.spec())
			}
		}
		if _, err := dir.CreateOrg(ctx, by, spec); err == nil {
			rep.OrgsCreated++
			if o.Services == nil {
				rep.ServicesCreated++ // the default one
			} else {
				rep.ServicesCreated += len(o.Services)
			}
		} else if apierr.Is(err, apierr.Conflict) {
			rep.OrgsExisting++
			if err := applyServices(ctx, dir, o, &rep); err != nil {
				return rep, err
			}
		} else {
			return rep, fmt.Errorf("org %s: %w", o.Name, err)
		}
		for _, u := range o.Users {
			if _, _, err := dir.User(ctx, o.Name, u.Name); err == nil {
				rep.UsersExisting++
				continue
			} else if !apierr.Is(err, apierr.NotFound) {
				return rep, fmt.Errorf("user %s@%s: %w", u.Name, o.Name, err)
			}
			_, err := dir.CreateUser(ctx, by, identity.UserSpec{Org: o.Name, Name: u.Name, Password: u.Password,
				Role: u.Role, FullName: u.FullName, MinPasswordRunes: 8})
			switch {
			case err == nil:
				rep.UsersCreated++
			case apierr.Is(err, apierr.Conflict):
				rep.UsersExisting++ // created concurrently by another instance
			default:
				return rep, fmt.Errorf("user %s@%s: %w", u.Name, o.Name, err)
			}
		}
	}
	return rep, nil
}

// applyServices adds the services of an existing org that it lacks (by
// serviceId); existing ones are left as they are.
func applyServices(ctx context.Context, dir *identity.Directory, o Org, rep *Report) error {
	for _, s := range o.Services {
		_, err := dir.AddService(ctx, audit.Actor{Name: "seed"}, o.Name, s.spec())
		switch {
		case err == nil:
			rep.ServicesCreated++
		case apierr.Is(err, apierr.Conflict):
			rep.ServicesExisting++
		default:
			return fmt.Errorf("org %s service %s: %w", o.Name, s.ServiceID, err)
		}
	}
	return nil
}
