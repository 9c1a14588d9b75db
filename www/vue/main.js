import { createApp } from 'vue';
import App from './App.vue';
import Demo from './Demo.vue';

// With `?url=` the page is the end-to-end test app; without, the demo page.
createApp(new URLSearchParams(location.search).has('url') ? App : Demo).mount('#app');
