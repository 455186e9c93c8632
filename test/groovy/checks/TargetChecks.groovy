import static Fixtures.*

/**
 * Where the services run and how the helper logs in (rollbackTarget), checked where it matters: the
 * arguments the helper really gets, read by running the steps' scripts under /bin/sh with a `node`
 * that prints them, and the variables and credentials around it.
 */
class TargetChecks {
    static final String PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCkey\n-----END PRIVATE KEY-----\n'
    static final String KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: kube-t0ken-s3cret\n'
    static final List<String> RELEASES = ['2026-12-01 14:32:08 UTC · api, billing', '2026-12-01 09:10:00 UTC · frontend (config)',
                                          '2026-11-30 17:45:51 UTC · api']

    static String dump(PipelineHarness h, String environment = 'prod') {
        h.workspace.path + '/rollback/' + environment
    }

    static void register(CheckSuite suite) {
        suite.check('target: a DC/OS service account key as a Secret file (serviceAccountKeyCredentialsId) with serviceAccountId') { PipelineHarness h ->
            RollbackRunChecks.afterSelect(h)
            h.credential('dcos-key', [type: 'file', content: PEM])
            String keySeen = null
            FakeHelper fake = new FakeHelper(duringRun: { Map call, File dir ->
                keySeen = new File(call.env.DCOS_SERVICE_ACCOUNT_KEY_FILE as String).text
            }).install(h)
            h.call('rollbackRun', [dcos: DCOS, serviceAccountId: 'rollback-sa', serviceAccountKeyCredentialsId: 'dcos-key'])
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'file', credentialsId: 'dcos-key',
                variable: 'DCOS_SERVICE_ACCOUNT_KEY_FILE']]]
            assert fake.runEnvs[0].DCOS_SERVICE_ACCOUNT_ID == 'rollback-sa'
            assert h.callsOf('withEnv').any { it.args[0].contains('DCOS_SERVICE_ACCOUNT_ID=rollback-sa') }
            assert keySeen == PEM
            assert !new File(fake.runEnvs[0].DCOS_SERVICE_ACCOUNT_KEY_FILE).exists() : 'the key file outlived the step'
            assert fake.runEnvs[0].ROLLBACK_DCOS == DCOS
        }

        suite.check('target: credential forms that do not fit are refused before anything runs') { PipelineHarness h ->
            RollbackRunChecks.afterSelect(h)
            int shells = h.callsOf('sh').size()
            assert failure { h.call('rollbackRun', [dcos: DCOS, serviceAccountKeyCredentialsId: 'dcos-key']) }.startsWith(
                'rollbackRun: serviceAccountKeyCredentialsId: (a Secret file with the account\'s private key) and serviceAccountId: (the account name) go together')
            assert failure { h.call('rollbackRun', [marathon: MARATHON, serviceAccountId: 'sa', serviceAccountKeyCredentialsId: 'k']) } ==
                'rollbackRun: DC/OS service accounts need dcos: (they log in to DC/OS, not to plain Marathon)'
            assert failure { h.call('rollbackRun', [dcos: DCOS, credentialsId: 'u', serviceAccountId: 'sa', serviceAccountKeyCredentialsId: 'k']) }.startsWith(
                'rollbackRun: pass one kind of credentials')
            assert failure { h.call('rollbackRun', [dcos: DCOS, serviceAccountId: 'sa; id', serviceAccountKeyCredentialsId: 'k']) } ==
                "rollbackRun: serviceAccountId: 'sa; id' is not a DC/OS service account ID"
            assert h.callsOf('sh').size() == shells && h.callsOf('lock').isEmpty()
        }

        suite.check('target: the helper gets exactly the flags of the arguments (Marathon; crossEnvironment and force)') { PipelineHarness h ->
            RollbackRunChecks.afterSelect(h)
            FakeHelper fake = new FakeHelper(recordArgv: true).install(h)
            h.call('rollbackRun', [marathon: MARATHON])
            assert fake.argvs[0] == ['run', '--dump', dump(h), '--date', '2026-11-13', '--marathon', MARATHON, '--group', '/ds/prod',
                                     '--dry-run', '--save-plan', dump(h) + '/rollback-dry-run.json']
            assert fake.argvs[1] == ['run', '--dump', dump(h), '--date', '2026-11-13', '--marathon', MARATHON, '--group', '/ds/prod',
                                     '--expect-plan', dump(h) + '/rollback-dry-run.json']
            h.call('rollbackRun', [marathon: MARATHON, crossEnvironment: true, force: true, confirm: false])
            assert fake.argvs[2] == ['run', '--dump', dump(h), '--date', '2026-11-13', '--marathon', MARATHON, '--group', '/ds/prod',
                                     '--force', '--cross-environment']
        }

        suite.check('select: source marathon offers the release points of history --choices; rollbackRun goes to the instant (--at, --source marathon, --with-config)') { PipelineHarness h ->
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
            List historyArgv = []
            h.onSh(/ history --choices/) { Map call ->
                historyArgv << argvOf(h, call)
                RELEASES.join('\n') + '\n'
            }
            answer(h, 0, 'alice')
            Object point = h.call('rollbackSelectDate', [environment: 'prod', source: 'marathon', marathon: MARATHON,
                                                          credentialsId: 'marathon-deployer'])
            assert point == '2026-12-01T14:32:08Z'
            assert h.env.ROLLBACK_AT == '2026-12-01T14:32:08Z' && h.env.ROLLBACK_DATE == '' && h.env.ROLLBACK_SOURCE == 'marathon'
            assert historyArgv == [['history', '--choices', '--marathon', MARATHON, '--group', '/ds/prod']]
            assert h.callsOf('sh').collect { shCommand(it) } == ['history'] : 'no registry given: no get'
            Map question = h.callsOf('input')[0].args[0]
            assert question.parameters[0].name == 'ROLLBACK_RELEASE' && question.parameters[0].choices == RELEASES
            assert question.message.startsWith('Roll back prod to which release?')
            assert h.callsOf('sh')[0].env.MARATHON_PASSWORD == 'mar-pa55!'

            FakeHelper fake = new FakeHelper(recordArgv: true, summary: 'prod rolled back to 2026-12-01T14:32:08Z').install(h)
            h.call('rollbackRun', [marathon: MARATHON, credentialsId: 'marathon-deployer', withConfig: true])
            assert fake.argvs[1] == ['run', '--dump', dump(h), '--at', '2026-12-01T14:32:08Z', '--source', 'marathon',
                                     '--marathon', MARATHON, '--group', '/ds/prod', '--with-config',
                                     '--expect-plan', dump(h) + '/rollback-dry-run.json']
            assert h.callsOf('input')[1].args[0].message.startsWith('Roll back prod to 2026-12-01T14:32:08Z?')
        }

        suite.check('select: source marathon refuses a line that is not a release point, and Kubernetes') { PipelineHarness h ->
            h.onSh(/ history --choices/) { Map call -> '2026-12-01 14:32 UTC · api\n' }
            assert failure { h.call('rollbackSelectDate', [environment: 'prod', source: 'marathon', marathon: MARATHON]) }.contains(
                "printed '2026-12-01 14:32 UTC · api' where a release point")
            assert failure { h.call('rollbackSelectDate', [environment: 'prod', source: 'marathon', kubernetes: true]) }.startsWith(
                "rollbackSelectDate: source: 'marathon' reads Marathon's history")
            assert failure { h.call('rollbackSelectDate', [environment: 'prod', source: 'git']) }.startsWith(
                "rollbackSelectDate: source: expected 'registry'")
            assert h.callsOf('input').isEmpty()
        }

        suite.check('target: Kubernetes: namespace from the map (default the environment), context, kubeconfig as KUBECONFIG, for status, run and undo') { PipelineHarness h ->
            h.credential('kubeconfig', [type: 'file', content: KUBECONFIG])
            Map kube = [kubernetes: true, namespaces: [prod: 'shop', stage: 'shop-stage'], context: 'prod-cluster',
                        kubeconfigCredentialsId: 'kubeconfig']
            List statusArgv = []
            helperPrintsDates(h)
            helperPrintsChoices(h, CHOICES, statusArgv)
            answer(h, 0)
            h.call('rollbackSelectDate', select(kube))
            assert statusArgv == [['status', '--choices', '--dump', dump(h), '--kubernetes', '--context', 'prod-cluster',
                                   '--namespace', 'shop']]
            FakeHelper run = new FakeHelper(recordArgv: true).install(h)
            String kubeconfigSeen = null
            run.duringRun = { Map call, File dir -> kubeconfigSeen = new File(call.env.KUBECONFIG as String).text }
            h.call('rollbackRun', kube)
            assert run.argvs[1] == ['run', '--dump', dump(h), '--date', '2026-11-13', '--kubernetes', '--context', 'prod-cluster',
                                    '--namespace', 'shop', '--expect-plan', dump(h) + '/rollback-dry-run.json']
            assert kubeconfigSeen == KUBECONFIG
            run.duringRun = null
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'file', credentialsId: 'kubeconfig', variable: 'KUBECONFIG']]]
            assert run.runEnvs[0].subMap(['ROLLBACK_GROUP', 'ROLLBACK_MARATHON', 'ROLLBACK_DCOS']).values().every { it == '' }

            UndoChecks.history(h)
            FakeHelper undo = new FakeHelper(command: 'undo', recordArgv: true, plans: [UndoChecks.UNDO_PLAN]).install(h)
            h.call('rollbackUndo', [environment: 'prod'] + kube)
            String journal = h.workspace.path + '/rollback/prod/undo/rollback-journal.json'
            assert undo.argvs == [
                ['undo', '--journal', journal, '--kubernetes', '--context', 'prod-cluster', '--dry-run', '--save-plan',
                 h.workspace.path + '/rollback/prod/undo/undo-dry-run.json'],
                ['undo', '--journal', journal, '--kubernetes', '--context', 'prod-cluster', '--expect-plan',
                 h.workspace.path + '/rollback/prod/undo/undo-dry-run.json']]
            assert undo.runEnvs[0].KUBECONFIG && undo.runEnvs[0].ROLLBACK_NAMESPACE == 'shop'

            // The default namespace is the environment's name; selector narrows the workloads.
            h.call('rollbackRun', [kubernetes: true, environment: 'dev', date: '2026-11-13', registry: REGISTRY, repos: 'shop/api',
                                   confirm: false, selector: 'app.kubernetes.io/part-of=shop'])
            List<String> devArgv = run.argvs[-1]
            assert devArgv == ['run', '--dump', dump(h, 'dev'), '--date', '2026-11-13', '--kubernetes', '--namespace', 'dev',
                               '--selector', 'app.kubernetes.io/part-of=shop']
        }

        suite.check('target: Marathon arguments with Kubernetes (and the reverse) are refused, with a sentence') { PipelineHarness h ->
            RollbackRunChecks.afterSelect(h)
            assert failure { h.call('rollbackRun', [kubernetes: true, group: '/ds/prod']) } == 'rollbackRun: group: only with marathon: or dcos:'
            assert failure { h.call('rollbackRun', [kubernetes: true, credentialsId: 'x']) } == 'rollbackRun: credentialsId: only with marathon: or dcos:'
            assert failure { h.call('rollbackRun', [marathon: MARATHON, namespace: 'shop']) } == 'rollbackRun: namespace: only with kubernetes: true'
            assert failure { h.call('rollbackRun', [marathon: MARATHON, kubeconfigCredentialsId: 'k']) } ==
                'rollbackRun: kubeconfigCredentialsId: only with kubernetes: true'
            assert failure { h.call('rollbackRun', [kubernetes: true, namespace: 'Shop_Prod']) } ==
                "rollbackRun: namespace: 'Shop_Prod' is not a Kubernetes namespace (lower-case letters, digits, -)"
            assert failure { h.call('rollbackRun', [kubernetes: true, namespaces: 'shop']) }.startsWith('rollbackRun: namespaces: expected a map')
            assert failure { h.call('rollbackRun', [kubernetes: true, context: 'a b']) } == "rollbackRun: context: 'a b' is not a kubeconfig context name"
            assert h.callsOf('lock').isEmpty()
        }
    }
}
