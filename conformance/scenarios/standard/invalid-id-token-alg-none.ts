import { standardProfile } from '../../profiles/standard.js'
import { invalidIdTokenScenario } from '../common.js'

export default invalidIdTokenScenario(standardProfile, 'alg-none')
