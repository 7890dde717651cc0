import request from 'supertest'
import { XMLParser } from 'fast-xml-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { GocdRuntime } from './config.js'
import { client, admin, examples, HEX64, NINETY_DAYS, DOC, expectRefused, gocdSuite } from '../../../test/support/gocd-suite.js'

describe.each(bothModes)('GoCD over $name', (mode) => {
  const suite = gocdSuite(mode)
  const { lastNotes, signedIn, authorizeAs, exchange, cctray } = suite
  let running: Running<GocdRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe('using the token (Authorization: Token token="...")', () => {
    it('answers no credentials with 401 and a Basic challenge', async () => {
      expectRefused(await cctray(), 401)
      expect(lastNotes()).toMatchObject({ authScheme: 'none', principal: 'anonymous' })
    })

    it('answers JSON only for the GoCD API media type', async () => {
      const res = await request(base).get('/go/cctray.xml').set('Accept', 'application/vnd.go.cd.v1+json')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Basic realm="GoCD"')
      expect(res.headers['content-type']).toBe('application/vnd.go.cd.v1+json; charset=utf-8')
      expect(res.text).toBe('{"message":"You are not authorized to access this resource!"}')
    })

    it.each([
      ['an unknown token', 'Token token="nope"'],
      ['an empty token', 'Token token=""'],
      ['the Bearer scheme', `Bearer ${examples.accessToken}`],
      ['a lower-case scheme', `token token="${examples.accessToken}"`],
      ['no quotes', `Token token=${examples.accessToken}`],
      ['another parameter after the token', `Token token="${examples.accessToken}", realm="GoCD"`],
      ['a wrong Basic password', `Basic ${Buffer.from('admin:wrong').toString('base64')}`],
      ['Basic for an unknown user', `Basic ${Buffer.from('nobody:demo').toString('base64')}`],
    ])('refuses %s as anonymous', async (_name, header) => {
      expectRefused(await cctray(header), 401)
    })

    it("lets a GoCD user in with Basic and the user's password", async () => {
      const res = await cctray(`Basic ${Buffer.from('admin:demo').toString('base64')}`)
      expect(res.status).toBe(200)
      expect(lastNotes()).toMatchObject({ authScheme: 'basic', principal: 'user' })
    })

    it('does not check expiry by default, as GoCD did not; enforceTokenExpiry refuses an expired token', async () => {
      running.provider.clock.advance(NINETY_DAYS + 1)
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      running.provider.config.enforceTokenExpiry = true
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect(lastNotes().tokenRejected).toBe('expired token')
    })

    it('with security off, reads everything to everyone and ignores a wrong token', async () => {
      running.provider.config.security = 'off'
      expect((await cctray()).status).toBe(200)
      expect((await cctray('Token token="nope"')).status).toBe(200)
      expect(lastNotes().security).toBe('off')
    })

    it("with oauthAccess 'real', refuses cctray to a token (403) but serves the pipeline feed", async () => {
      running.provider.config.oauthAccess = 'real'
      expectRefused(await cctray(DOC.tokenHeader), 403)
      const feed = await request(base).get('/go/api/pipelines/up42/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(feed.status).toBe(200)
      expect((await cctray(`Basic ${Buffer.from('admin:demo').toString('base64')}`)).status).toBe(200)
    })

    it('serves a cctray feed with one Project per stage and per job', async () => {
      const res = await cctray(DOC.tokenHeader)
      const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(res.text)
      const projects = parsed.Projects.Project as Array<Record<string, unknown>>
      expect(projects.map((p) => p.name)).toEqual([
        'up42 :: up42_stage',
        'up42 :: up42_stage :: up42_job',
        'build-linux :: compile',
        'build-linux :: compile :: compile-x64',
        'build-linux :: compile :: compile-arm64',
        'build-linux :: test',
        'build-linux :: test :: unit',
        'build-linux :: test :: integration',
        'deploy :: production',
        'deploy :: production :: rollout',
      ])
      expect(projects[2]).toMatchObject({
        activity: 'Sleeping',
        lastBuildStatus: 'Success',
        lastBuildLabel: '0.7.7 :: 2',
        webUrl: `${base}/go/pipelines/build-linux/7/compile/2`,
      })
      expect(projects[5]).toMatchObject({
        lastBuildStatus: 'Failure',
        lastBuildLabel: '0.7.7',
        messages: { message: { text: 'Ada Lovelace, Grace Hopper', kind: 'Breakers' } },
      })
      expect(projects[9]).toMatchObject({
        activity: 'Building',
        lastBuildStatus: 'Success',
        webUrl: `${base}/go/tab/build/detail/deploy/3/production/1/rollout`,
      })
      for (const p of projects) expect(p.lastBuildTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      // Attributes in GoCD's order.
      expect(res.text).toMatch(/<Project name="[^"]+" activity="[^"]+" lastBuildStatus="[^"]+" lastBuildLabel="[^"]+" lastBuildTime="[^"]+" webUrl="[^"]+"\/>/)
    })

    it('serves the stages feed of a pipeline, 404 for an unknown one and 401 without credentials', async () => {
      const feed = await request(base).get('/go/api/pipelines/build-linux/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(feed.headers['content-type']).toBe('application/xml; charset=utf-8')
      const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(feed.text)
      expect(parsed.feed.id).toBe(`${base}/go/api/pipelines/build-linux/stages.xml`)
      expect(parsed.feed.entry.map((e: { title: string }) => e.title)).toEqual([
        'build-linux(7) stage test(1) Failed',
        'build-linux(7) stage compile(2) Passed',
      ])
      const missing = await request(base).get('/go/api/pipelines/nope/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(missing.status).toBe(404)
      expect(missing.text).toContain('<pre>    Not Found</pre>')
      expectRefused(await request(base).get('/go/api/pipelines/up42/stages.xml'), 401, '/go/api/pipelines/up42/stages.xml')
    })
  })

  describe('Admin > OAuth Clients', () => {
    it('lists, creates, shows, updates and destroys OAuth clients', async () => {
      const agent = browser(base)
      const first = await agent.get('/go/admin')
      expect(pathOf(first.headers.location)).toBe('/go/oauth/admin/clients')
      const bounced = await agent.get('/go/oauth/admin/clients')
      expect(pathOf(bounced.headers.location)).toBe('/go/auth/login?return_to=%2Fgo%2Foauth%2Fadmin%2Fclients')
      const login = await agent.get(pathOf(bounced.headers.location))
      const back = await agent
        .post('/go/auth/login')
        .type('form')
        .send({ ...formFields(login.text), username: admin.username, password: admin.password })
      const list = await agent.get(pathOf(back.headers.location))
      expect(list.status).toBe(200)
      expect(list.text).toContain(
        `<tr data-client-id="${client.clientId}"><td><a href="/go/oauth/admin/clients/${client.clientId}">My Client</a></td><td><code>${client.clientId}</code></td><td><code>${client.clientSecret}</code></td><td><code>http://www.my_redirect_uri.com</code></td>`,
      )
      expect(list.text).toContain('New OAuth Client')

      const form = await agent.get('/go/oauth/admin/clients/new')
      const blank = await agent
        .post('/go/oauth/admin/clients')
        .type('form')
        .send({ ...formFields(form.text), name: ' ', redirect_uri: '' })
      expect(blank.status).toBe(422)
      expect(blank.text).toContain('<li>Name can&#39;t be blank</li><li>Redirect uri can&#39;t be blank</li>')
      const schemeless = await agent
        .post('/go/oauth/admin/clients')
        .type('form')
        .send({ ...formFields(form.text), name: 'X', redirect_uri: 'www.my_redirect_uri.com' })
      expect(schemeless.status).toBe(422)
      expect(schemeless.text).toContain('<li>Redirect uri is invalid</li>')

      const created = await agent
        .post('/go/oauth/admin/clients')
        .type('form')
        .send({ ...formFields(form.text), name: '<b>CI</b> Radiator', redirect_uri: '  https://radiator.example/oauth  ' })
      expect(created.status).toBe(302)
      const shown = await agent.get(pathOf(created.headers.location))
      expect(shown.text).toContain('OAuth client was successfully created.')
      expect(shown.text).toContain('<span data-testid="client-title">&lt;b&gt;CI&lt;/b&gt; Radiator</span>')
      const id = /data-testid="client-id">([0-9a-f]+)</.exec(shown.text)![1]
      const secret = /data-testid="client-secret">([0-9a-f]+)</.exec(shown.text)![1]
      expect(id).toMatch(HEX64)
      expect(secret).toMatch(HEX64)
      expect(shown.text).toContain('<code data-testid="client-redirect">https://radiator.example/oauth</code>')

      // The new client completes the dance.
      const location = await authorizeAs(
        agent,
        new URLSearchParams({ client_id: id, redirect_uri: 'https://radiator.example/oauth', response_type: 'code' }).toString(),
      )
      const code = new URL(location).searchParams.get('code')!
      expect(
        (await exchange({ code, grant_type: 'authorization-code', client_id: id, client_secret: secret, redirect_uri: 'https://radiator.example/oauth' }))
          .status,
      ).toBe(200)

      const edit = await agent.get(`/go/oauth/admin/clients/${id}/edit`)
      expect(edit.text).toContain('data-testid="client-submit">Update</button>')
      const updated = await agent
        .post(`/go/oauth/admin/clients/${id}`)
        .type('form')
        .send({ ...formFields(edit.text), name: 'CI Radiator', redirect_uri: 'http://radiator.example/cb' })
      expect(updated.status).toBe(302)
      expect((await agent.get(pathOf(updated.headers.location))).text).toContain('OAuth client was successfully updated.')
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({ name: 'CI Radiator', redirectUris: ['http://radiator.example/cb'] })

      const destroyed = await agent
        .post(`/go/oauth/admin/clients/${id}`)
        .type('form')
        .send({ ...formFields(shown.text), _method: 'delete' })
      expect(destroyed.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toBeUndefined()
      expect((await agent.get(`/go/oauth/admin/clients/${id}`)).status).toBe(404)
      expect(running.provider.store.tokens.collection.findMany((q) => q.where({ clientId: id }))).toEqual([])
    })

    it('refuses a user who is not an administrator', async () => {
      await running.provider.store.users.collection.create({ id: '2', username: 'viewer', password: 'demo' })
      const agent = await signedIn('viewer', 'demo')
      const res = await agent.get('/go/oauth/admin/clients')
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="admin-refused"')
      const form = await agent.get('/go/auth/login')
      const post = await agent
        .post('/go/oauth/admin/clients')
        .type('form')
        .send({ ...formFields(form.text), name: 'Sneaky', redirect_uri: 'https://x.example' })
      expect(post.status).toBe(403)
      expect(running.provider.store.clients.collection.findMany().map((c) => c.name)).toEqual(['My Client'])
    })
  })
})
